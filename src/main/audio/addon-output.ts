/**
 * The PortAudio addon's output stream as an AudioOutput: file playback fed in as the stream
 * drains, or live listening through the stream's adaptive jitter buffer.
 */
import { AudioOutputLostError, NoAudioOutputError } from './audio-output-errors'
import type { AudioOutput, AudioOutputOptions, AudioOutputStats } from './audio-output-types'
import type {
  NativeOutputDevice,
  NativeOutputOptions,
  NativeOutputStateEvent,
  NativeOutputStream,
  OutputBinding,
} from './native-output-stream'
import { overridePulseSink } from './pulse-sink-override'
import { ListenerSet } from '../listener-set'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
/** PulseAudio starts consuming ~2 s after a stream starts (the addon's startupGraceMs is the same). */
const STARTUP_GRACE_MS = 6000

/**
 * Playback: the addon's stream keeps at most `latencyMs` queued; longer writes (a file) wait here
 * and are fed in as it drains. Live: writes go straight to the stream's adaptive jitter buffer,
 * which bounds latency itself (a JS-side queue would let a burst after a stall add latency that
 * never goes away).
 */
export class AddonOutput implements AudioOutput {
  readonly description: string
  private readonly stream: NativeOutputStream
  private readonly live: boolean
  private readonly sampleRateHz: number
  private readonly pending: Float32Array[] = []
  private pendingOffset = 0
  private readonly feedFrames: number
  private timer: NodeJS.Timeout | null = null
  private releasePulseSink: (() => void) | null
  private readonly failureListeners = new ListenerSet<[NoAudioOutputError]>('audio output failure')
  /** Resolved by the first state event after 'opening' (running, failed or closing). */
  private readonly opened: Promise<void>
  private resolveOpened!: () => void
  private aborted = false
  /** When the stream started playing (its 'running' event). */
  private runningSinceMs: number | null = null

  constructor(binding: OutputBinding, device: NativeOutputDevice, options: AudioOutputOptions) {
    this.live = options.live === true
    this.sampleRateHz = options.sampleRateHz
    const common = {
      deviceIndex: device.index,
      sampleRateHz: options.sampleRateHz,
      channels: 1,
      ...(options.watchdogMs !== undefined ? { watchdogMs: options.watchdogMs } : {}),
    }
    let streamOptions: NativeOutputOptions
    if (this.live) {
      const floorS = (options.latencyMs ?? 20) / 1000
      const maxS = (options.maxLatencyMs ?? 300) / 1000
      if (!(floorS >= 0 && maxS > floorS))
        throw new NoAudioOutputError(
          `live output: need 0 <= latencyMs < maxLatencyMs, got latencyMs ${options.latencyMs} and maxLatencyMs ${options.maxLatencyMs}`,
        )
      streamOptions = { ...common, maxLatencySeconds: maxS, prefillSeconds: floorS, live: true, realtime: options.realtime ?? true }
      this.feedFrames = 0
    } else {
      const latencyS = (options.latencyMs ?? 50) / 1000
      streamOptions = { ...common, maxLatencySeconds: latencyS, prefillSeconds: Math.min(0.02, latencyS / 2) }
      this.feedFrames = Math.max(1, Math.floor(0.75 * latencyS * options.sampleRateHz))
    }
    // PulseAudio (through ALSA's pulse plugin) opens the sink named here; without one, whatever
    // an earlier stream chose must not linger.
    this.releasePulseSink = overridePulseSink(options.device || undefined)
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve))
    try {
      this.stream = new binding.OutputStream!(streamOptions, (event) => this.onState(event))
    } catch (error) {
      this.releasePulseSink?.()
      throw error
    }
    this.description =
      `PortAudio ` + `'${device.name}'${options.device ? ` → ${options.device}` : ''}${this.live ? ' (live, adaptive jitter buffer)' : ''}`
  }

  /** The addon's state events (output-stream.cc), on the JS thread in the order they happened. */
  private onState(event: NativeOutputStateEvent): void {
    if (event.state === 'opening') return
    // The ALSA pulse plugin reads PULSE_SINK while the stream opens; once it has, the override goes.
    this.releasePulseSink?.()
    this.releasePulseSink = null
    if (event.state === 'running') this.runningSinceMs ??= Date.now()
    this.resolveOpened()
    if (event.state !== 'failed' || this.aborted) return
    const failure = this.failure
    if (failure) this.failureListeners.emit(failure)
  }

  onFailure(listener: (failure: NoAudioOutputError) => void): () => void {
    return this.failureListeners.add(listener)
  }

  get underruns(): number {
    return this.stream.underruns
  }

  stats(): AudioOutputStats {
    const ms = (frames: number | undefined): number | null => (frames === undefined ? null : (1000 * frames) / this.sampleRateHz)
    return {
      underruns: this.stream.underruns,
      playedMs: ms(this.stream.playedFrames),
      targetLatencyMs: ms(this.stream.targetFrames),
      bufferedMs: ms(this.stream.queuedFrames),
      trimmedMs: ms(this.stream.trimmedFrames),
      droppedMs: ms(this.stream.droppedFrames),
      hostUnderflows: this.stream.hostUnderflows ?? null,
      realtimeCallback: this.stream.realtimeCallback ?? null,
    }
  }

  get failure(): NoAudioOutputError | null {
    if (this.stream.state !== 'failed') return null
    const message = `audio output ${this.description} failed: ${this.stream.error ?? 'unknown error'}`
    return this.stream.errorCode === 'device-lost' ? new AudioOutputLostError(message) : new NoAudioOutputError(message)
  }

  async ready(): Promise<void> {
    // Opening runs on the addon's own thread; a dead audio server fails there, not here. Its
    // first state event says how it went; 5 s without one is an open that hangs.
    if (this.stream.state === 'opening') {
      this.stream.ref()
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([this.opened, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))])
      } finally {
        clearTimeout(timer)
        this.stream.unref()
      }
    }
    if (this.stream.state !== 'running')
      throw new NoAudioOutputError(`audio output ${this.description}: ${this.stream.error ?? `not running (${this.stream.state})`}`)
  }

  write(samples: Float32Array): void {
    if (this.live) {
      if (this.stream.state === 'running' || this.stream.state === 'opening') this.stream.write(samples)
      return
    }
    this.pending.push(samples)
    this.feed()
  }

  private feed(): void {
    let room = this.feedFrames - this.stream.queuedFrames
    while (room > 0 && this.pending.length > 0) {
      const head = this.pending[0]!
      const piece = head.subarray(this.pendingOffset, this.pendingOffset + room)
      this.stream.write(piece)
      room -= piece.length
      this.pendingOffset += piece.length
      if (this.pendingOffset >= head.length) {
        this.pending.shift()
        this.pendingOffset = 0
      }
    }
    if (this.pending.length > 0 && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.feed()
      }, 5)
    }
  }

  async end(): Promise<void> {
    // A tail shorter than the prefill level is never started by the device, so stop waiting once
    // nothing has been played for a second; 6 s before anything played (PulseAudio starts
    // consuming ~2 s after the start). A dead device is the watchdog's business, not this.
    // PortAudio's first callbacks fill the host buffer (a few played frames), then none come until
    // PulseAudio starts: the 6 s hold for the stream's first 6 s, whatever was played.
    const startingUntilMs = (this.runningSinceMs ?? Date.now()) + STARTUP_GRACE_MS
    let lastPlayed = this.stream.playedFrames
    let stalledMs = 0
    const allowedStallMs = (): number => (lastPlayed === 0 || Date.now() < startingUntilMs ? STARTUP_GRACE_MS : 1000)
    while ((this.pending.length > 0 || this.stream.queuedFrames > 0) && stalledMs < allowedStallMs()) {
      if (this.stream.state === 'failed') break
      await sleep(10)
      stalledMs = this.stream.playedFrames === lastPlayed ? stalledMs + 10 : 0
      lastPlayed = this.stream.playedFrames
    }
    this.stream.close()
    const failure = this.failure
    if (failure) throw failure
  }

  abort(): void {
    this.aborted = true
    this.failureListeners.clear()
    if (this.timer) clearTimeout(this.timer)
    this.pending.length = 0
    this.stream.close()
  }
}
