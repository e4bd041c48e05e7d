/**
 * HID input reports → button presses and releases. Pure: the bytes of a report plus a layout
 * from src/main/devices/hid-devices.json. Two layouts cover USB Consumer Control interfaces
 * (usage page 0x0C, the page of volume/mute/play-pause buttons on headsets and stethoscopes):
 *
 *  - `bitmap`: each control is one bit ("1 = held"), e.g. a one-byte report 0b0000_0100 = mute held;
 *  - `usage-array`: the report lists the usage codes currently held (0 = empty slot), e.g.
 *    `01 CD 00` = report 1, Play/Pause (0x00CD, little-endian) held; `01 00 00` = released.
 *
 * Edge detection turns the "currently held" state of successive reports into press/release events.
 */
import { FormatError, InvalidArgumentError } from '../errors'

/** HID Usage Tables 1.4, Consumer page (0x0C): names for the usages headsets carry. */
export const CONSUMER_USAGES: Readonly<Record<number, string>> = {
  0xb5: 'next-track',
  0xb6: 'previous-track',
  0xb7: 'stop',
  0xcd: 'play-pause',
  0xe2: 'mute',
  0xe9: 'volume-up',
  0xea: 'volume-down',
}

export type HidAction = 'record-toggle' | 'mark' | 'monitor-toggle' | 'none'
export const HID_ACTIONS: readonly HidAction[] = ['record-toggle', 'mark', 'monitor-toggle', 'none']

export type HidReportLayout =
  | {
      kind: 'bitmap'
      /** first byte of each report when the device uses report IDs; reports with another ID are ignored */
      reportId?: number
      /** byte offset of the bitmap within the report, after the report ID byte if any */
      byteOffset: number
      /** bit number (0 = LSB of the first bitmap byte) → control name */
      bits: Record<string, string>
    }
  | {
      kind: 'usage-array'
      reportId?: number
      byteOffset: number
      /** 1 or 2 (little-endian) bytes per usage code */
      usageBytes: 1 | 2
      /** slots in the array (how many controls can be held at once) */
      slots: number
      /** usage code (decimal or "0x.." in JSON) → control name; default: CONSUMER_USAGES */
      usages?: Record<string, string>
    }

export class HidReportError extends FormatError {}
export class HidLayoutError extends InvalidArgumentError {}

/** Validates a layout read from JSON; the message names the entry and field at fault. */
export function checkLayout(layout: HidReportLayout, where: string): HidReportLayout {
  const bad = (field: string, value: unknown): never => {
    throw new HidLayoutError(`${where}: report.${field} ${JSON.stringify(value)} is invalid`)
  }
  if (layout.reportId !== undefined && !(Number.isInteger(layout.reportId) && layout.reportId >= 1 && layout.reportId <= 255))
    bad('reportId', layout.reportId)
  if (!(Number.isInteger(layout.byteOffset) && layout.byteOffset >= 0 && layout.byteOffset < 64)) bad('byteOffset', layout.byteOffset)
  if (layout.kind === 'bitmap') {
    for (const bit of Object.keys(layout.bits)) if (!/^\d+$/.test(bit) || Number(bit) > 511) bad(`bits[${bit}]`, bit)
  } else if (layout.kind === 'usage-array') {
    if (layout.usageBytes !== 1 && layout.usageBytes !== 2) bad('usageBytes', layout.usageBytes)
    if (!(Number.isInteger(layout.slots) && layout.slots >= 1 && layout.slots <= 32)) bad('slots', layout.slots)
    for (const code of Object.keys(layout.usages ?? {})) if (!Number.isInteger(Number(code))) bad(`usages[${code}]`, code)
  } else {
    bad('kind', (layout as { kind: unknown }).kind)
  }
  return layout
}

/**
 * The controls held according to one report, or undefined when the report is not for this
 * layout (another report ID). Throws HidReportError when a matching report is too short.
 */
export function heldControls(report: Uint8Array, layout: HidReportLayout): Set<string> | undefined {
  let data = report
  if (layout.reportId !== undefined) {
    if (report.length === 0 || report[0] !== layout.reportId) return undefined
    data = report.subarray(1)
  }
  const held = new Set<string>()
  if (layout.kind === 'bitmap') {
    for (const [bitText, control] of Object.entries(layout.bits)) {
      const bit = Number(bitText)
      const index = layout.byteOffset + (bit >> 3)
      if (index >= data.length) throw new HidReportError(`HID report of ${report.length} bytes: bit ${bit} (${control}) lies beyond it`)
      if (data[index]! & (1 << (bit & 7))) held.add(control)
    }
    return held
  }
  const needed = layout.byteOffset + layout.slots * layout.usageBytes
  if (data.length < needed)
    throw new HidReportError(`HID report of ${report.length} bytes: usage array needs ${needed} bytes after the report ID`)
  for (let slot = 0; slot < layout.slots; slot++) {
    const at = layout.byteOffset + slot * layout.usageBytes
    const usage = layout.usageBytes === 2 ? data[at]! | (data[at + 1]! << 8) : data[at]!
    if (usage === 0) continue
    const name = layout.usages ? (layout.usages[String(usage)] ?? layout.usages[`0x${usage.toString(16)}`]) : CONSUMER_USAGES[usage]
    held.add(name ?? `usage-0x${usage.toString(16).padStart(4, '0')}`)
  }
  return held
}

export interface HidButtonEvent {
  control: string
  pressed: boolean
}

/** Edge detection across reports: a control emits `pressed` once when it goes down, `released` when up. */
export class HidButtonTracker {
  private held = new Set<string>()

  constructor(private readonly layout: HidReportLayout) {}

  push(report: Uint8Array): HidButtonEvent[] {
    const now = heldControls(report, this.layout)
    if (!now) return []
    const events: HidButtonEvent[] = []
    for (const control of this.held) if (!now.has(control)) events.push({ control, pressed: false })
    for (const control of now) if (!this.held.has(control)) events.push({ control, pressed: true })
    this.held = now
    return events
  }
}

/** Actions fire on press only: holding a button down does not repeat. */
export function actionsFor(events: HidButtonEvent[], mapping: Record<string, HidAction>): HidAction[] {
  return events
    .filter((e) => e.pressed)
    .map((e) => mapping[e.control] ?? 'none')
    .filter((a) => a !== 'none')
}
