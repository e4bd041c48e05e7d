/**
 * Where processed audio goes to be heard: the PortAudio addon's output stream (native/src/
 * output-stream.inc) when the built addon has one, else PulseAudio's `pacat` (every Linux
 * desktop with PulseAudio or PipeWire-pulse has it). Without either, a clear error says so.
 *
 * Two ways to choose the device: a PortAudio output (`portAudioDevice`: any platform, resolved
 * against the addon's list when the stream opens), or a PulseAudio sink name (`device`: Linux
 * desktops, played through PortAudio's ALSA `pulse` device with PULSE_SINK set while it opens).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { loadAudioAddon, type AudioBinding } from '../devices/audio-addon'
import { AudioOutputLostError, NoAudioOutputError, PortAudioOutputNotFoundError } from './audio-output-errors'
import { resolvePortAudioOutput, type PortAudioDeviceChoice } from './output-device-choice'

export { AudioOutputLostError, NoAudioOutputError, PortAudioOutputNotFoundError, type PortAudioDeviceChoice }

/** What the addon's OutputStream offers (native/src/output-stream.inc). */
export interface NativeOutputStream {
  write(samples: Float32Array): void
  close(): void
  readonly state: 'opening' | 'running' | 'failed' | 'closing' | 'closed'
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

type OutputBinding = AudioBinding & {
  OutputStream?: new (options: NativeOutputOptions) => NativeOutputStream
  listOutputDevices?: () => NativeOutputDevice[]
}

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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Playback: the addon's stream keeps at most `latencyMs` queued; longer writes (a file) wait here
 * and are fed in as it drains. Live: writes go straight to the stream's adaptive jitter buffer,
 * which bounds latency itself (a JS-side queue would let a burst after a stall add latency that
 * never goes away).
 */
class AddonOutput implements AudioOutput {
  readonly description: string
  private readonly stream: NativeOutputStream
  private readonly live: boolean
  private readonly sampleRateHz: number
  private readonly pending: Float32Array[] = []
  private pendingOffset = 0
  private readonly feedFrames: number
  private timer: NodeJS.Timeout | null = null
  private releasePulseSink: (() => void) | null

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
    try {
      this.stream = new binding.OutputStream!(streamOptions)
    } catch (error) {
      this.releasePulseSink?.()
      throw error
    }
    this.description = `PortAudio '${device.name}'${options.device ? ` → ${options.device}` : ''}${this.live ? ' (live, adaptive jitter buffer)' : ''}`
    this.watchOpening()
  }

  /** The ALSA pulse plugin reads PULSE_SINK while the stream opens; once it has, the override goes. */
  private watchOpening(): void {
    if (!this.releasePulseSink) return
    if (this.stream.state !== 'opening') {
      this.releasePulseSink()
      this.releasePulseSink = null
      return
    }
    setTimeout(() => this.watchOpening(), 10).unref()
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
    // Opening runs on the addon's own thread; a dead audio server fails there, not here.
    for (let waitedMs = 0; this.stream.state === 'opening' && waitedMs < 5000; waitedMs += 10) await sleep(10)
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
    let lastPlayed = this.stream.playedFrames
    let stalledMs = 0
    while ((this.pending.length > 0 || this.stream.queuedFrames > 0) && stalledMs < (lastPlayed === 0 ? 6000 : 1000)) {
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
    if (this.timer) clearTimeout(this.timer)
    this.pending.length = 0
    this.stream.close()
  }
}

/**
 * PULSE_SINK for the stream being opened. The addon opens on its own thread after the
 * constructor returns, so the variable must stay set until the stream has left 'opening', and
 * is then put back as it was before any override (the user's own PULSE_SINK, or none). One
 * override at a time: a newer one takes over, and only the newest puts the variable back.
 */
let pulseSinkBaseline: { value: string | undefined; owner: symbol } | null = null

function overridePulseSink(sink: string | undefined): (() => void) | null {
  // While an override is pending, the variable holds its sink, not what it was before.
  const baseline = pulseSinkBaseline ? pulseSinkBaseline.value : process.env.PULSE_SINK
  const restore = (): void => {
    if (baseline === undefined) delete process.env.PULSE_SINK
    else process.env.PULSE_SINK = baseline
  }
  if (sink === undefined) {
    // The default sink: drop a pending override from an earlier stream.
    if (pulseSinkBaseline) restore()
    pulseSinkBaseline = null
    return null
  }
  const owner = Symbol('PULSE_SINK override')
  pulseSinkBaseline = { value: baseline, owner }
  process.env.PULSE_SINK = sink
  return () => {
    if (pulseSinkBaseline?.owner !== owner) return
    restore()
    pulseSinkBaseline = null
  }
}

function pulseReachable(env: NodeJS.ProcessEnv): boolean {
  const result = spawnSync('pactl', ['info'], { env, stdio: 'ignore', timeout: 3000 })
  return result.status === 0
}

class PacatOutput implements AudioOutput {
  readonly description: string
  private readonly child: ChildProcessWithoutNullStreams
  private underrunCount = 0
  private readonly exited: Promise<number | null>
  private stderrTail = ''
  private aborted = false

  constructor(options: AudioOutputOptions, env: NodeJS.ProcessEnv) {
    const args = [
      '--playback',
      '--raw',
      '--format=float32le',
      `--rate=${Math.round(options.sampleRateHz)}`,
      '--channels=1',
      `--latency-msec=${options.latencyMs ?? 50}`,
      '--verbose',
      '--client-name=ausculta',
      '--stream-name=listening',
    ]
    if (options.device) args.push(`--device=${options.device}`)
    this.description = `PulseAudio (pacat)${options.device ? ` → ${options.device}` : ''}`
    this.child = spawn('pacat', args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.stdin.on('error', () => undefined)
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (text: string) => {
      this.underrunCount += text.split('Stream underrun').length - 1
      this.stderrTail = (this.stderrTail + text).slice(-400)
    })
    this.child.stdout.resume()
    this.exited = new Promise((resolve) => {
      this.child.on('error', () => resolve(null))
      this.child.on('exit', (code) => resolve(code))
    })
  }

  get underruns(): number {
    return this.underrunCount
  }

  stats(): AudioOutputStats {
    return {
      underruns: this.underrunCount,
      playedMs: null,
      targetLatencyMs: null,
      bufferedMs: null,
      trimmedMs: null,
      droppedMs: null,
      hostUnderflows: null,
      realtimeCallback: null,
    }
  }

  get failure(): NoAudioOutputError | null {
    const code = this.child.exitCode
    if (code === null || code === 0 || this.aborted) return null
    return new NoAudioOutputError(
      `audio output ${this.description} failed (exit ${code}): ${this.stderrTail.trim().split('\n').pop() ?? ''}`,
    )
  }

  async ready(): Promise<void> {
    // pacat reports a failed connection by exiting; give it a moment to do so.
    const early = await Promise.race([this.exited, sleep(150).then(() => 'running' as const)])
    if (early !== 'running')
      throw new NoAudioOutputError(
        `audio output ${this.description} failed (exit ${early}): ${this.stderrTail.trim().split('\n').pop() ?? ''}`,
      )
  }

  write(samples: Float32Array): void {
    if (!this.child.stdin.writable) return
    this.child.stdin.write(Buffer.from(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength)))
  }

  async end(): Promise<void> {
    this.child.stdin.end()
    const code = await this.exited
    if (code !== 0)
      throw new NoAudioOutputError(
        `audio output ${this.description} failed (exit ${code}): ${this.stderrTail.trim().split('\n').pop() ?? ''}`,
      )
  }

  abort(): void {
    this.aborted = true
    if (this.child.exitCode === null) this.child.kill('SIGTERM')
  }
}

/**
 * An output on `portAudioDevice` and/or the sink `device` (or the default), or NoAudioOutputError
 * naming what is missing (PortAudioOutputNotFoundError for a chosen PortAudio device that is gone).
 */
export function openAudioOutput(options: AudioOutputOptions, env: NodeJS.ProcessEnv = process.env): AudioOutput {
  if (!(options.sampleRateHz > 0)) throw new NoAudioOutputError(`sampleRateHz: must be > 0, got ${options.sampleRateHz}`)
  const choice = options.portAudioDevice
  if (choice !== undefined && options.backend === 'pacat')
    throw new NoAudioOutputError('a PortAudio output device was chosen, but the pacat back end plays only on PulseAudio sinks')
  if (options.backend !== 'pacat') {
    const binding = loadAudioAddon() as OutputBinding | Error
    if (!(binding instanceof Error) && binding.OutputStream && binding.listOutputDevices) {
      const devices = binding.listOutputDevices()
      // A chosen device plays there or nowhere: falling back to another would surprise the user.
      if (choice !== undefined) return new AddonOutput(binding, resolvePortAudioOutput(devices, choice), options)
      const device = devices.find((d) => d.name === 'pulse') ?? devices.find((d) => d.isDefaultOutput)
      if (device) return new AddonOutput(binding, device, options)
    }
    if (choice !== undefined) {
      const why =
        binding instanceof Error
          ? `the audio addon is not available (${binding.message})`
          : 'this build of the audio addon has no output streams'
      throw new NoAudioOutputError(`cannot open PortAudio output ${JSON.stringify(choice)}: ${why}`)
    }
    if (options.backend === 'addon')
      throw new NoAudioOutputError('no audio output device: the PortAudio addon has no output stream or no output device')
  }
  if (!pulseReachable(env)) {
    throw new NoAudioOutputError(
      'no audio output device: the PortAudio addon offers none and no PulseAudio server answers (pactl info failed); use --out <file.wav> to write the processed sound instead',
    )
  }
  return new PacatOutput(options, env)
}
