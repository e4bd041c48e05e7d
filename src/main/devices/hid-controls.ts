/**
 * HID buttons (headset keys, a stethoscope's record/mark buttons) as app actions, through
 * node-hid. The matching table is hid-devices.json; report parsing is the pure
 * src/core/hid/hid-report.ts. node-hid is loaded lazily so a broken native module only disables
 * HID controls, never the app.
 */
import { createRequire } from 'node:module'
import { AuscultaError } from '../../core/errors'
import { HidButtonTracker, HID_ACTIONS, actionsFor, checkLayout, type HidAction, type HidReportLayout } from '../../core/hid/hid-report'
import table from './hid-devices.json'

export class HidUnavailableError extends AuscultaError {}
export class HidDeviceLostError extends AuscultaError {}

export interface HidTableEntry {
  id: string
  name: string
  vendorId: number | null
  productId: number | null
  usagePage?: number
  usage?: number
  report: HidReportLayout
  actions: Record<string, HidAction>
}

/** One enumerated HID interface (node-hid's Device, the part we use). */
export interface HidInterface {
  path?: string
  vendorId: number
  productId: number
  product?: string
  manufacturer?: string
  usagePage?: number
  usage?: number
  interface: number
}

export interface HidControlInfo {
  /** stable across polls: path is per-interface */
  id: string
  path: string
  label: string
  entry: HidTableEntry
  device: HidInterface
}

export function loadHidTable(raw: unknown = table, where = 'hid-devices.json'): HidTableEntry[] {
  const devices = (raw as { devices?: unknown }).devices
  if (!Array.isArray(devices)) throw new HidUnavailableError(`${where}: 'devices' must be an array`)
  return devices.map((entry: HidTableEntry, i) => {
    const at = `${where}: devices[${i}] (${entry.id})`
    for (const [control, action] of Object.entries(entry.actions))
      if (!HID_ACTIONS.includes(action))
        throw new HidUnavailableError(`${at}: actions.${control} ${JSON.stringify(action)} is not one of ${HID_ACTIONS.join(', ')}`)
    checkLayout(entry.report, at)
    return entry
  })
}

/** Specific vendor/product entries win over generic (null id) ones. */
export function matchHidEntries(device: HidInterface, entries: HidTableEntry[]): HidTableEntry[] {
  const fits = (e: HidTableEntry): boolean =>
    (e.vendorId === null || e.vendorId === device.vendorId) &&
    (e.productId === null || e.productId === device.productId) &&
    (e.usagePage === undefined || e.usagePage === device.usagePage) &&
    (e.usage === undefined || e.usage === device.usage)
  const matched = entries.filter(fits)
  const specific = matched.filter((e) => e.vendorId !== null)
  return specific.length > 0 ? specific : matched
}

interface NodeHidModule {
  devicesAsync(): Promise<HidInterface[]>
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<NodeHidDevice> }
}
interface NodeHidDevice {
  on(event: 'data', listener: (data: Buffer) => void): void
  on(event: 'error', listener: (error: Error) => void): void
  close(): Promise<void>
}

let nodeHid: NodeHidModule | HidUnavailableError | undefined
function loadNodeHid(): NodeHidModule | HidUnavailableError {
  if (nodeHid) return nodeHid
  try {
    nodeHid = createRequire(__filename)('node-hid') as NodeHidModule
  } catch (error) {
    nodeHid = new HidUnavailableError(
      `HID controls unavailable: node-hid failed to load (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    )
  }
  return nodeHid
}

/** HID interfaces that some table entry matches (the first match gives the layout). */
export async function listHidControls(entries: HidTableEntry[] = loadHidTable()): Promise<HidControlInfo[]> {
  const hid = loadNodeHid()
  if (hid instanceof Error) throw hid
  const interfaces = await hid.devicesAsync()
  const controls: HidControlInfo[] = []
  for (const device of interfaces) {
    if (!device.path) continue
    const [entry] = matchHidEntries(device, entries)
    if (!entry) continue
    const name = [device.manufacturer, device.product].filter(Boolean).join(' ') || `HID ${hex(device.vendorId)}:${hex(device.productId)}`
    controls.push({ id: `hid:${device.path}`, path: device.path, label: `${name} — ${entry.name}`, entry, device })
  }
  return controls
}

export interface OpenHidControl {
  close(): Promise<void>
}

/** Opens the interface and calls onAction for each mapped button press; onLost once if it goes away. */
export async function openHidControl(
  control: HidControlInfo,
  onAction: (action: HidAction, control: string) => void,
  onLost: (error: Error) => void,
): Promise<OpenHidControl> {
  const hid = loadNodeHid()
  if (hid instanceof Error) throw hid
  // nonExclusive: headset buttons may also be read by the OS media keys handler
  const device = await hid.HIDAsync.open(control.path, { nonExclusive: true })
  const tracker = new HidButtonTracker(control.entry.report)
  let closed = false
  device.on('data', (data) => {
    let events
    try {
      events = tracker.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    } catch {
      return // a malformed report (wrong layout guess) is ignored, not fatal
    }
    for (const event of events) {
      for (const action of actionsFor([event], control.entry.actions)) onAction(action, event.control)
    }
  })
  device.on('error', (error) => {
    if (closed) return
    closed = true
    onLost(new HidDeviceLostError(`HID control ${control.label}: device lost (${error.message})`, { cause: error }))
  })
  return {
    async close() {
      if (closed) return
      closed = true
      await device.close().catch(() => undefined)
    },
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0')
}
