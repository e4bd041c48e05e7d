/**
 * The shape of the PortAudio addon's output side (native/src/output-stream.cc): the stream object,
 * its options and the device list. Types only; the addon itself is loaded by devices/audio-addon.
 */
import type { AudioBinding } from '../devices/audio-addon'

export type NativeOutputState = 'opening' | 'running' | 'failed' | 'closing' | 'closed'

/** What onState receives after every state change (on the JS thread, in order). */
export interface NativeOutputStateEvent {
  state: NativeOutputState
  error: string | null
  errorCode: 'device-lost' | 'stream-error' | null
}

/** What the addon's OutputStream offers (native/src/output-stream.cc). */
export interface NativeOutputStream {
  write(samples: Float32Array): void
  close(): void
  /** Whether a pending state event keeps the process alive (unref'd from the start). */
  ref(): void
  unref(): void
  readonly state: NativeOutputState
  readonly error: string | null
  /** Why it failed: the device vanished while playing, or it could not be opened/started. */
  readonly errorCode?: 'device-lost' | 'stream-error' | null
  readonly underruns: number
  readonly droppedFrames: number
  readonly playedFrames: number
  readonly queuedFrames: number
  /** The jitter buffer's current target level (live mode adapts it; absent in builds before it). */
  readonly targetFrames?: number
  /** Frames spliced out (where quiet, crossfaded) to bring the queue back down to the target. */
  readonly trimmedFrames?: number
  /** Of those splices, the ones made where it was not quiet (excess waited over a second). */
  readonly forcedSplices?: number
  /** Host-side underflows PortAudio reported (the device ran dry before our callback ran). */
  readonly hostUnderflows?: number
  /** Whether the callback thread runs with real-time scheduling; null before the first callback or off Linux. */
  readonly realtimeCallback?: boolean | null
}

export interface NativeOutputOptions {
  deviceIndex: number
  sampleRateHz: number
  channels?: number
  framesPerBuffer?: number
  /** Hard bound on queued audio: a write beyond it drops the oldest. */
  maxLatencySeconds?: number
  /** Level the FIFO fills to before playing and after each underrun (live: the target's floor). */
  prefillSeconds?: number
  /** Adaptive jitter buffer: the target grows after underruns, shrinks when they stop, excess is spliced out. */
  live?: boolean
  /** Ask for a SCHED_FIFO callback thread (Linux ALSA; falls back to a normal one where refused). */
  realtime?: boolean
  /** No device callback for this long while playing means the device is gone (default 1500). */
  watchdogMs?: number
  /** The same during the first startupGraceMs (PulseAudio starts consuming ~2 s after the start; default 6000). */
  startupGraceMs?: number
}

export interface NativeOutputDevice {
  index: number
  name: string
  hostApi: string
  maxOutputChannels: number
  defaultSampleRateHz: number
  isDefaultOutput: boolean
}

export type OutputBinding = AudioBinding & {
  OutputStream?: new (options: NativeOutputOptions, onState?: (event: NativeOutputStateEvent) => void) => NativeOutputStream
  listOutputDevices?: () => NativeOutputDevice[]
}
