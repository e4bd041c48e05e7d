/** What every audio output back end (addon-output, pacat-output) offers, and how one is asked for. */
import type { NoAudioOutputError } from './audio-output-errors'
import type { PortAudioDeviceChoice } from './output-device-choice'

/** Where the output stands; null where the back end cannot tell (pacat). */
export interface AudioOutputStats {
  underruns: number
  /** Audio the device has taken so far. */
  playedMs: number | null
  /** Jitter-buffer target: the level the queue is kept at and re-primes to after a gap. */
  targetLatencyMs: number | null
  /** Audio queued now, not yet handed to the device. */
  bufferedMs: number | null
  /** Audio spliced out (crossfaded, where quiet) to bring latency back down after a burst or a shrink. */
  trimmedMs: number | null
  /** Audio dropped by the hard latency bound (maxLatencyMs). */
  droppedMs: number | null
  /** Device-side underflows reported by the host API (our callback itself ran late). */
  hostUnderflows: number | null
  /** Whether the device callback thread got real-time scheduling (null: unknown, or not the addon). */
  realtimeCallback: boolean | null
}

export interface AudioOutput {
  readonly description: string
  /** Queue mono float32 samples for playback. */
  write(samples: Float32Array): void
  /** Resolves once the device plays; rejects with NoAudioOutputError when it cannot be opened. */
  ready(): Promise<void>
  /** Buffer underruns reported so far (the output ran dry: an audible gap). */
  readonly underruns: number
  stats(): AudioOutputStats
  /** What stopped the output (AudioOutputLostError when the device vanished), or null while it plays. */
  readonly failure: NoAudioOutputError | null
  /**
   * Called once when the output fails while open (the same error `failure` then holds): the device
   * vanished, the audio server went away. Not called for abort() or a normal end. Returns unsubscribe.
   */
  onFailure(listener: (failure: NoAudioOutputError) => void): () => void
  /** Resolves when everything written has been played and the output is closed. */
  end(): Promise<void>
  /** Stop now, dropping what is queued. */
  abort(): void
}

export interface AudioOutputOptions {
  sampleRateHz: number
  /**
   * PulseAudio sink name; the default sink when absent. The addon plays it through PortAudio's
   * ALSA `pulse` device (or the `portAudioDevice` given); pacat names it itself.
   */
  device?: string | undefined
  /**
   * The PortAudio output to open (addon only): by index, by name, by the stable id of
   * output-device-choice, or 'default'. Absent: the `pulse` device where there is one (so a
   * sink can be chosen), else the default output. A device that is not there any more is a
   * PortAudioOutputNotFoundError naming it.
   */
  portAudioDevice?: PortAudioDeviceChoice
  /**
   * Output buffer: small for live listening, larger for file playback. With `live`, the floor of
   * the adaptive jitter buffer (default 20 ms).
   */
  latencyMs?: number
  /**
   * Live listening: every write goes straight to an adaptive jitter buffer (the addon's live
   * mode) that starts at `latencyMs`, grows after underruns up to 3/4 of `maxLatencyMs`, shrinks
   * back when they stop and splices out excess where quiet. Without it (file playback) writes
   * are fed in as the output drains and nothing is ever dropped.
   */
  live?: boolean
  /** Live: hard bound on queued audio (default 300 ms); older audio is dropped beyond it. */
  maxLatencyMs?: number
  /** Live: ask for a real-time (SCHED_FIFO) device callback thread where the OS allows (default true). */
  realtime?: boolean
  /** Device-loss watchdog: no device callback for this long while playing → failure (default 1500). */
  watchdogMs?: number
  /** 'pacat' skips the addon (benchmarks compare the two). */
  backend?: 'auto' | 'addon' | 'pacat'
}
