/**
 * The device registry of the main process: every source the user can pick (sound-card inputs
 * through the PortAudio addon, serial stethoscopes, raw-int16 DIY serial devices, HID button
 * interfaces, demo files), hot-plug polling (every ~2 s: PortAudio rescan, serialport list(),
 * node-hid enumeration) with added/removed events, connect/disconnect, and a status per source.
 * It also implements the API layer's DeviceCatalog (src/main/api/monitor-port.ts).
 */
import { SerialPort } from 'serialport'
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import type { HidAction } from '../../core/hid/hid-report'
import type { DeviceCatalog, DeviceEntry } from '../api/monitor-port'
import { AudioBackendUnavailableError, loadAudioAddon, type AudioBinding, type NativeInputDevice } from './audio-addon'
import { AudioDeviceSource, audioSourceId } from './audio-device-source'
import { listHidControls, openHidControl, type HidControlInfo, type OpenHidControl } from './hid-controls'
import { RawSerialSource } from './raw-serial-source'
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

export class UnknownSourceError extends InvalidArgumentError {}
export class SourceUnavailableError extends AuscultaError {}

/** What a serial port listing gives (serialport's PortInfo, the part we use). */
export interface SerialPortListing {
  path: string
  manufacturer?: string
  vendorId?: string
  productId?: string
}

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
  private readonly listeners = new Set<(event: RegistryEvent) => void>()
  private readonly audio: AudioBinding | AudioBackendUnavailableError
  private readonly options: DeviceRegistryOptions
  private timer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  private demoFactory: ((path: string) => PcmSource) | undefined
  /** a device scan still running: never start a second (each would park a libuv worker thread) */
  private audioScan: Promise<NativeInputDevice[] | null> | undefined
  private audioCache: { atMs: number; items: Array<{ descriptor: SourceDescriptor; create?: () => PcmSource }> } | undefined

  constructor(options: DeviceRegistryOptions = {}) {
    this.options = options
    this.audio = options.audio ?? loadAudioAddon()
    this.demoFactory = options.demoFactory
  }

  on(listener: (event: RegistryEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
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
    const seen = new Map<string, { descriptor: SourceDescriptor; create?: () => PcmSource; hid?: HidControlInfo }>()
    let audioOk = true
    let serialOk = true
    let hidOk = true
    try {
      const now = Date.now()
      if (!this.audioCache || now - this.audioCache.atMs >= (this.options.audioRescanIntervalMs ?? 6000)) {
        this.audioCache = { atMs: now, items: await this.pollAudio() }
      }
      for (const item of this.audioCache.items) seen.set(item.descriptor.id, { ...item, descriptor: { ...item.descriptor } })
    } catch (error) {
      audioOk = false
      this.emit({ type: 'poll-error', kind: 'audio', error: asError(error) })
    }
    try {
      const ports = await (this.options.listSerialPorts ?? (() => SerialPort.list()))()
      for (const port of ports) {
        const label = [port.manufacturer, port.path].filter(Boolean).join(' ')
        const id = serialSourceId(port.path)
        seen.set(id, {
          descriptor: { id, kind: 'serial', label: `Serial ${label}`, status: 'available' },
          create: () => new SerialSource({ path: port.path, baudRate: this.options.serialBaudRate, label: `Serial ${label}` }),
        })
      }
    } catch (error) {
      serialOk = false
      this.emit({ type: 'poll-error', kind: 'serial', error: asError(error) })
    }
    if (this.options.listHidControls !== null) {
      try {
        for (const hid of await (this.options.listHidControls ?? (() => listHidControls()))())
          seen.set(hid.id, { descriptor: { id: hid.id, kind: 'hid', label: hid.label, status: 'available' }, hid })
      } catch (error) {
        hidOk = false
        this.emit({ type: 'poll-error', kind: 'hid', error: asError(error) })
      }
    }
    // removals: only for kinds whose listing succeeded, never for entries the user added
    const listed = (kind: RegistryKind): boolean =>
      kind === 'audio' ? audioOk : kind === 'hid' ? hidOk : kind === 'serial' ? serialOk : false
    for (const [id, entry] of [...this.entries]) {
      if (entry.manual || seen.has(id) || !listed(entry.descriptor.kind)) continue
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

  private async pollAudio(): Promise<Array<{ descriptor: SourceDescriptor; create?: () => PcmSource }>> {
    const audio = this.audio
    if (audio instanceof Error) {
      return [
        { descriptor: { id: 'audio:unavailable', kind: 'audio', label: 'Audio devices', status: 'unavailable', detail: audio.message } },
      ]
    }
    // rescan finds hot-plugged devices; while a stream is open it cannot, and the old list stands
    if (this.audioScan)
      throw new SourceUnavailableError('audio devices: the previous device scan has not finished (audio server not answering)')
    const scan = audio.rescanInputDevicesAsync()
    this.audioScan = scan
    void scan.then(
      () => (this.audioScan = undefined),
      () => (this.audioScan = undefined),
    )
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SourceUnavailableError('audio devices: device scan took over 5 s (audio server not answering)')),
        5000,
      )
    })
    const devices = (await Promise.race([scan, timeout]).finally(() => clearTimeout(timer))) ?? audio.listInputDevices()
    return devices.map((device: NativeInputDevice) => {
      const id = audioSourceId(device)
      return {
        descriptor: {
          id,
          kind: 'audio' as const,
          label: `${device.name} (${device.hostApi})${device.isDefaultInput ? ' — default' : ''}`,
          status: 'available' as const,
        },
        create: () => {
          // indices change on rescan: resolve the device by id at connect time
          const current = (audio.listInputDevices() as NativeInputDevice[]).find((d) => audioSourceId(d) === id)
          if (!current) throw new SourceUnavailableError(`${id}: device no longer present`)
          return new AudioDeviceSource(audio, current, { sampleRateHz: this.options.audioSampleRateHz ?? current.defaultSampleRateHz })
        },
      }
    })
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
    for (const listener of [...this.listeners]) {
      try {
        listener(event)
      } catch (error) {
        process.emitWarning(`device registry listener failed: ${asError(error).message}`)
      }
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
