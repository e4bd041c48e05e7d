/**
 * Loads the PortAudio addon (native/) without ever throwing at import time: where PortAudio or
 * the compiled addon is missing, callers get an AudioBackendUnavailableError value and the app
 * says "audio devices unavailable: install PortAudio" instead of crashing.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import nodeGypBuild from 'node-gyp-build'
import { AuscultaError } from '../../core/errors'

export interface NativeInputDevice {
  /** PortAudio device index: valid until the next rescan */
  index: number
  name: string
  hostApi: string
  maxInputChannels: number
  defaultSampleRateHz: number
  defaultLowInputLatencySeconds: number
  isDefaultInput: boolean
}

export type NativeStreamEvent =
  | { type: 'data'; firstFrameIndex: number; data: Float32Array; overflow: boolean }
  | { type: 'done'; requestId: number; error?: string }
  | { type: 'error'; code: 'device-lost' | 'stream-error'; message: string }
  | { type: 'closed' }

export interface NativeInputOptions {
  deviceIndex: number
  sampleRateHz: number
  channels: number
  /** 0 lets PortAudio choose */
  framesPerBuffer?: number
  /** silence (no callbacks) longer than this while streaming means the device is gone */
  watchdogMs?: number
  /** the same, before the first buffer (PulseAudio needs ~2 s to deliver its first) */
  startupGraceMs?: number
  /** audio queued for JS beyond this is dropped (reported as overflow) */
  maxQueueSeconds?: number
}

/** Requests return false when the stream is already closed; completion arrives as a 'done' event. */
export interface NativeInputStream {
  start(requestId: number): boolean
  stop(requestId: number): boolean
  close(requestId: number): boolean
  ref(): void
  unref(): void
}

export interface AudioBinding {
  version(): string
  listInputDevices(): NativeInputDevice[]
  /** re-enumerates (hot plug); null when a stream is open and enumeration cannot be refreshed */
  rescanInputDevices(): NativeInputDevice[] | null
  /** the same on a worker thread (a rescan takes 35-85 ms: too long for the main thread every poll) */
  rescanInputDevicesAsync(): Promise<NativeInputDevice[] | null>
  InputStream: new (options: NativeInputOptions, onEvent: (event: NativeStreamEvent) => void) => NativeInputStream
}

export class AudioBackendUnavailableError extends AuscultaError {}

/** The folders holding native/binding.gyp: from src/main/devices (tsx, vitest), out/main (electron-vite bundle), a packaged app. */
function nativeDirs(): string[] {
  const dirs = [join(__dirname, '../../../native'), join(__dirname, '../../native')]
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath
  if (resourcesPath) dirs.push(join(resourcesPath, 'app.asar.unpacked/native'))
  return dirs
}

/** The addon file: AUSCULTA_AUDIO_ADDON, else what node-gyp-build finds (build/Release, build/Debug, prebuilds/<platform>-<arch>). */
function findAddon(): { path: string | undefined; tried: string[] } {
  const override = process.env.AUSCULTA_AUDIO_ADDON
  if (override) return { path: existsSync(override) ? override : undefined, tried: [override] }
  const tried: string[] = []
  for (const dir of nativeDirs()) {
    tried.push(dir)
    try {
      return { path: nodeGypBuild.path(dir), tried }
    } catch {
      // No build for this platform in this folder: try the next.
    }
  }
  return { path: undefined, tried }
}

let cached: AudioBinding | AudioBackendUnavailableError | undefined

export function loadAudioAddon(): AudioBinding | AudioBackendUnavailableError {
  if (cached) return cached
  const { path, tried } = findAddon()
  if (!path) {
    cached = new AudioBackendUnavailableError(
      `audio devices unavailable: install PortAudio (no compiled addon; looked for ${tried.join(', ')}; install PortAudio, then ` +
        `run \`node native/build.js\`)`,
    )
    return cached
  }
  try {
    const load = createRequire(__filename)
    const binding = load(path) as AudioBinding
    binding.version()
    cached = binding
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    cached = new AudioBackendUnavailableError(`audio devices unavailable: install PortAudio (${path} failed to load: ${reason})`, {
      cause: error,
    })
  }
  return cached
}

/** For tests: forget the cached result so the next load looks again. */
export function resetAudioAddonCache(): void {
  cached = undefined
}
