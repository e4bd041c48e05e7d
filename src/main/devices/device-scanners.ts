/**
 * The registry's hot-plug scanners, one per kind of device: each lists what is plugged in now.
 * The registry polls them all in turn (registry.ts) and only removes entries of a kind whose
 * scan succeeded, so one failing listing never makes the others' devices vanish.
 */
import { SerialPort } from 'serialport'
import type { AudioBinding, AudioBackendUnavailableError } from './audio-addon'
import { scanAudioInputs } from './audio-scanner'
import { listHidControls, type HidControlInfo } from './hid-controls'
import type { SourceDescriptor } from './registry'
import { SerialSource, serialSourceId } from './serial-source'
import type { PcmSource } from './source'

/** One device a scan found: how it is listed, how its PcmSource is built, or its HID control. */
export interface ScannedSource {
  descriptor: SourceDescriptor
  create?: () => PcmSource
  hid?: HidControlInfo
}

export interface DeviceScanner {
  readonly kind: 'audio' | 'serial' | 'hid'
  scan(): Promise<ScannedSource[]>
}

/** What a serial port listing gives (serialport's PortInfo, the part we use). */
export interface SerialPortListing {
  path: string
  manufacturer?: string
  vendorId?: string
  productId?: string
}

export interface ScannerOptions {
  audio: AudioBinding | AudioBackendUnavailableError
  audioSampleRateHz?: number | undefined
  audioRescanIntervalMs?: number | undefined
  listSerialPorts?: (() => Promise<SerialPortListing[]>) | undefined
  serialBaudRate?: number | undefined
  /** null disables HID */
  listHidControls?: (() => Promise<HidControlInfo[]>) | null | undefined
}

/**
 * PortAudio can only see new sound cards by re-initialising (35-85 ms of device probing on a
 * worker thread), so its list is kept for `audioRescanIntervalMs` (default 6000) between scans.
 */
export function audioScanner(options: ScannerOptions): DeviceScanner {
  let cache: { atMs: number; items: ScannedSource[] } | undefined
  const inFlight = { scan: undefined as Promise<unknown> | undefined }
  return {
    kind: 'audio',
    async scan() {
      const now = Date.now()
      if (!cache || now - cache.atMs >= (options.audioRescanIntervalMs ?? 6000)) {
        cache = { atMs: now, items: await scanAudioInputs(options.audio, inFlight, options.audioSampleRateHz) }
      }
      return cache.items.map((item) => ({ ...item, descriptor: { ...item.descriptor } }))
    },
  }
}

export function serialScanner(options: ScannerOptions): DeviceScanner {
  return {
    kind: 'serial',
    async scan() {
      const ports = await (options.listSerialPorts ?? (() => SerialPort.list()))()
      return ports.map((port) => {
        const label = `Serial ${[port.manufacturer, port.path].filter(Boolean).join(' ')}`
        return {
          descriptor: { id: serialSourceId(port.path), kind: 'serial', label, status: 'available' },
          create: () => new SerialSource({ path: port.path, baudRate: options.serialBaudRate, label }),
        }
      })
    },
  }
}

export function hidScanner(options: ScannerOptions): DeviceScanner {
  return {
    kind: 'hid',
    async scan() {
      const controls = await (options.listHidControls ?? (() => listHidControls()))()
      return controls.map((hid) => ({ descriptor: { id: hid.id, kind: 'hid', label: hid.label, status: 'available' }, hid }))
    },
  }
}

/** The table the registry polls, in order: sound cards, serial ports, HID controls (unless disabled). */
export function defaultScanners(options: ScannerOptions): DeviceScanner[] {
  return [audioScanner(options), serialScanner(options), ...(options.listHidControls === null ? [] : [hidScanner(options)])]
}
