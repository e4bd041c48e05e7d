/**
 * The device registry of the main process: every source the user can pick (sound-card inputs
 * through the PortAudio addon, serial stethoscopes, raw-int16 DIY serial devices, HID button
 * interfaces, demo files), hot-plug polling (every ~2 s, through the table of scanners in
 * device-scanners.ts: PortAudio rescan, serialport list(), node-hid enumeration) with
 * added/removed events, connect/disconnect, and a status per source.
 * It also implements the API layer's DeviceCatalog (src/main/api/monitor-port.ts).
 */
import type { HidAction } from '../../core/hid/hid-report'
import type { DeviceCatalog, DeviceEntry } from '../api/monitor-port'
import { AudioBackendUnavailableError, loadAudioAddon, type AudioBinding } from './audio-addon'
import { defaultScanners, type DeviceScanner, type ScannedSource, type SerialPortListing } from './device-scanners'
import { openHidControl, type HidControlInfo, type OpenHidControl } from './hid-controls'
import { RawSerialSource } from './raw-serial-source'
import { SourceUnavailableError, UnknownSourceError } from './registry-errors'
import { ListenerSet } from '../listener-set'
import { SerialSource, serialSourceId } from './serial-source'
import type { PcmSource, SourceStatus } from './source'

export type RegistryKind = 'audio' | 'serial' | 'raw-serial' | 'hid' | 'demo'
/** 'available': listed, not connected; 'unavailable': cannot be used (detail says why); 'connected': HID open */
export type RegistryStatus = 'available' | 'unavailable' | 'connected' | SourceStatus

export interface SourceDescriptor {
  id: string
  kind: RegistryKind
  label: string
  status: RegistryStatus
  detail?: string
}

export type RegistryEvent =
  | { type: 'added'; source: SourceDescriptor }
  | { type: 'removed'; source: SourceDescriptor }
  | { type: 'status'; id: string; status: RegistryStatus; detail?: string }
  | { type: 'hid-action'; id: string; action: HidAction; control: string }
  | { type: 'poll-error'; kind: RegistryKind; error: Error }

export { SourceUnavailableError, UnknownSourceError, type SerialPortListing }

export interface DeviceRegistryOptions {
  /** the addon or the reason it is missing; default loadAudioAddon() */
  audio?: AudioBinding | AudioBackendUnavailableError
  /** capture rate for sound-card sources; default: the device's default rate */
  audioSampleRateHz?: number
  /** default: serialport's SerialPort.list() (needs udev on Linux) */
  listSerialPorts?: () => Promise<SerialPortListing[]>
  /** default: node-hid enumeration matched against hid-devices.json; null disables HID */
  listHidControls?: (() => Promise<HidControlInfo[]>) | null
  serialBaudRate?: number
  pollIntervalMs?: number
  /** builds the PcmSource of a demo file (the monitor engine's DemoFileSource) */
  demoFactory?: (path: string) => PcmSource
  /**
   * Which HID controls to open as soon as they appear, so their buttons work without a user step:
   * 'matched-ids' (default) only those whose table entry names their vendor/product id (a
   * verified layout); generic entries guess the layout, and a wrong guess could turn a volume key
   * into "toggle recording", so they wait for an explicit connect().
   */
  autoConnectHid?: 'matched-ids' | 'all' | 'none'
  /**
   * PortAudio can only see new sound cards by re-initialising (35-85 ms of device probing on a
   * worker thread), so audio is rescanned less often than serial and HID; default 6000 ms.
   */
  audioRescanIntervalMs?: number
  /** The scanners polled (default: audio, serial, HID built from the options above). */
  scanners?: DeviceScanner[]
}

interface Entry {
  descriptor: SourceDescriptor
  /** how to build its PcmSource (absent for HID and unavailable entries) */
  create?: () => PcmSource
  source?: PcmSource
  unsubscribe?: () => void
  hid?: HidControlInfo
  openHid?: OpenHidControl
  /** entries the user added by hand (raw serial, demo files, unlisted serial paths) survive polls */
  manual: boolean
}

export class DeviceRegistry implements DeviceCatalog {
  private readonly entries = new Map<string, Entry>()
  private readonly listeners = new ListenerSet<[RegistryEvent]>('device registry')
  private readonly audio: AudioBinding | AudioBackendUnavailableError
  private readonly options: DeviceRegistryOptions
  private timer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  private demoFactory: ((path: string) => PcmSource) | undefined
  /** a device scan still running: never start a second (each would park a libuv worker thread) */
  /** What the poll asks, in turn, for the devices plugged in now (device-scanners.ts). */
  private readonly scanners: DeviceScanner[]

  constructor(options: DeviceRegistryOptions = {}) {
    this.options = options
    this.audio = options.audio ?? loadAudioAddon()
    this.demoFactory = options.demoFactory
    this.scanners = options.scanners ?? defaultScanners({ ...options, audio: this.audio })
  }

  on(listener: (event: RegistryEvent) => void): () => void {
    return this.listeners.add(listener)
  }

  listSources(): SourceDescriptor[] {
    return [...this.entries.values()].map((e) => ({ ...e.descriptor }))
  }

  status(id: string): RegistryStatus {
    return this.entry(id).descriptor.status
  }

  /** Polls now; concurrent calls share one poll. */
  refresh(): Promise<void> {
    this.polling ??= this.poll().finally(() => (this.polling = undefined))
    return this.polling
  }

  startPolling(): void {
    if (this.timer) return
    void this.refresh()
    this.timer = setInterval(() => void this.refresh(), this.options.pollIntervalMs ?? 2000)
    this.timer.unref() // polling alone never keeps the process alive
  }

  stopPolling(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** A serial path that enumeration does not list (ptys, Bluetooth SPP bindings) speaking the protocol. */
  addSerial(path: string, label?: string): SourceDescriptor {
    const id = serialSourceId(path)
    return this.upsert(
      { id, kind: 'serial', label: label ?? `Serial stethoscope ${path}`, status: 'available' },
      () => new SerialSource({ path, baudRate: this.options.serialBaudRate, label }),
      true,
    )
  }

  /** A DIY device sending raw little-endian int16 at the rate the user states. */
  addRawSerial(path: string, sampleRateHz: number, label?: string): SourceDescriptor {
    const source = (): RawSerialSource => new RawSerialSource({ path, sampleRateHz, baudRate: this.options.serialBaudRate, label })
    const probe = source() // validates path and rate now, not at connect time
    return this.upsert({ id: probe.id, kind: 'raw-serial', label: probe.label, status: 'available' }, source, true)
  }

  /** A demo recording; its source is built by the factory given now or later (setDemoFactory). */
  addDemoFile(path: string, label?: string): SourceDescriptor {
    const id = `demo:${path}`
    return this.upsert(
      { id, kind: 'demo', label: label ?? `Demo recording ${path}`, status: 'available' },
      () => {
        if (!this.demoFactory) throw new SourceUnavailableError(`${id}: no demo source factory registered (setDemoFactory)`)
        return this.demoFactory(path)
      },
      true,
    )
  }

  setDemoFactory(factory: (path: string) => PcmSource): void {
    this.demoFactory = factory
  }

  removeSource(id: string): void {
    const entry = this.entries.get(id)
    if (!entry) return
    void this.disconnect(id)
    this.entries.delete(id)
    this.emit({ type: 'removed', source: { ...entry.descriptor } })
  }

  /** The source of a PCM entry, built on first use and kept (not started). */
  async open(id: string): Promise<PcmSource> {
    const entry = this.entry(id)
    if (entry.descriptor.status === 'unavailable' || !entry.create)
      throw new SourceUnavailableError(`${id}: ${entry.descriptor.detail ?? `a ${entry.descriptor.kind} entry has no audio`}`)
    if (!entry.source) {
      const source = entry.create()
      entry.source = source
      entry.unsubscribe = source.on((event) => {
        if (event.type === 'status') this.setStatus(entry, event.status, event.detail)
      })
    }
    return entry.source
  }

  /** Opens and starts a PCM source, or opens a HID control (its presses arrive as 'hid-action' events). */
  async connect(id: string): Promise<PcmSource | undefined> {
    const entry = this.entry(id)
    if (entry.hid) {
      if (entry.openHid) return undefined
      entry.openHid = await openHidControl(
        entry.hid,
        (action, control) => this.emit({ type: 'hid-action', id, action, control }),
        (error) => {
          entry.openHid = undefined
          this.setStatus(entry, 'lost', error.message)
        },
      )
      this.setStatus(entry, 'connected')
      return undefined
    }
    const source = await this.open(id)
    await source.start()
    return source
  }

  async disconnect(id: string): Promise<void> {
    const entry = this.entry(id)
    if (entry.openHid) {
      await entry.openHid.close()
      entry.openHid = undefined
      this.setStatus(entry, 'available')
      return
    }
    const source = entry.source
    if (!source) return
    await source.stop()
    entry.unsubscribe?.()
    entry.source = undefined
    entry.unsubscribe = undefined
    this.setStatus(entry, 'available')
  }

  // ---- DeviceCatalog (API layer) ----

  async list(): Promise<DeviceEntry[]> {
    return this.listSources()
      .filter((d) => d.kind !== 'hid')
      .map((d) => ({
        id: d.id,
        name: d.label,
        kind: d.kind === 'raw-serial' ? 'serial' : (d.kind as DeviceEntry['kind']),
        status:
          d.status === 'unavailable'
            ? 'unavailable'
            : d.status === 'error' || d.status === 'lost'
              ? 'error'
              : d.status === 'available' || d.status === 'idle' || d.status === 'stopped'
                ? 'available'
                : 'connected',
        ...(d.detail === undefined ? {} : { detail: d.detail }),
      }))
  }

  onChange(listener: () => void): () => void {
    return this.on((event) => {
      if (event.type !== 'hid-action') listener()
    })
  }

  // ---- polling ----

  private async poll(): Promise<void> {
    const seen = new Map<string, ScannedSource>()
    // removals: only for kinds whose listing succeeded, never for entries the user added
    const listed = new Set<RegistryKind>()
    for (const scanner of this.scanners) {
      try {
        for (const item of await scanner.scan()) seen.set(item.descriptor.id, item)
        listed.add(scanner.kind)
      } catch (error) {
        this.emit({ type: 'poll-error', kind: scanner.kind, error: asError(error) })
      }
    }
    for (const [id, entry] of [...this.entries]) {
      if (entry.manual || seen.has(id) || !listed.has(entry.descriptor.kind)) continue
      // A connected source that vanished normally reports its own loss, but the poll can notice
      // first; the loss is reported here then, since the listener goes with the entry.
      if (
        entry.source &&
        (entry.descriptor.status === 'streaming' || entry.descriptor.status === 'connecting' || entry.descriptor.status === 'connected')
      ) {
        this.setStatus(entry, 'lost', 'device removed')
      }
      this.entries.delete(id)
      entry.unsubscribe?.()
      void entry.openHid?.close()
      this.emit({ type: 'removed', source: { ...entry.descriptor } })
    }
    for (const [id, item] of seen) {
      const existing = this.entries.get(id)
      if (existing) {
        if (!existing.manual) {
          existing.create = item.create
          existing.hid = item.hid
        }
        continue
      }
      this.entries.set(id, { descriptor: item.descriptor, create: item.create, hid: item.hid, manual: false })
      this.emit({ type: 'added', source: { ...item.descriptor } })
      if (item.hid && this.shouldAutoConnect(item.hid)) {
        this.connect(id).catch((error: unknown) => {
          const entry = this.entries.get(id)
          if (entry) this.setStatus(entry, 'error', asError(error).message)
        })
      }
    }
  }

  private shouldAutoConnect(hid: HidControlInfo): boolean {
    const mode = this.options.autoConnectHid ?? 'matched-ids'
    return mode === 'all' || (mode === 'matched-ids' && hid.entry.vendorId !== null)
  }

  private upsert(descriptor: SourceDescriptor, create: () => PcmSource, manual: boolean): SourceDescriptor {
    const existing = this.entries.get(descriptor.id)
    if (existing) {
      existing.create = create
      existing.manual = manual
      return { ...existing.descriptor }
    }
    this.entries.set(descriptor.id, { descriptor, create, manual })
    this.emit({ type: 'added', source: { ...descriptor } })
    return { ...descriptor }
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id)
    if (!entry)
      throw new UnknownSourceError(
        `device registry: no source with id ${JSON.stringify(id)} (known: ${[...this.entries.keys()].join(', ') || 'none'})`,
      )
    return entry
  }

  private setStatus(entry: Entry, status: RegistryStatus, detail?: string): void {
    entry.descriptor.status = status
    if (detail === undefined) delete entry.descriptor.detail
    else entry.descriptor.detail = detail
    this.emit(
      detail === undefined
        ? { type: 'status', id: entry.descriptor.id, status }
        : { type: 'status', id: entry.descriptor.id, status, detail },
    )
  }

  private emit(event: RegistryEvent): void {
    this.listeners.emit(event)
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
