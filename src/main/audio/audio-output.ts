/**
 * Where processed audio goes to be heard: the PortAudio addon's output stream (native/src/
 * output-stream.inc) when the built addon has one, else PulseAudio's `pacat` (every Linux
 * desktop with PulseAudio or PipeWire-pulse has it). Without either, a clear error says so.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { AuscultaError } from '../../core/errors'
import { loadAudioAddon, type AudioBinding } from '../devices/audio-addon'

/** What the addon's OutputStream offers (native/src/output-stream.inc). */
export interface NativeOutputStream {
  write(samples: Float32Array): void
  close(): void
  readonly state: 'opening' | 'running' | 'failed' | 'closing' | 'closed'
  readonly error: string | null
  readonly underruns: number
  readonly droppedFrames: number
  readonly playedFrames: number
  readonly queuedFrames: number
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
  OutputStream?: new (options: { deviceIndex: number; sampleRateHz: number; channels?: number; framesPerBuffer?: number; maxLatencySeconds?: number; prefillSeconds?: number }) => NativeOutputStream
  listOutputDevices?: () => NativeOutputDevice[]
}

export class NoAudioOutputError extends AuscultaError {}

export interface AudioOutput {
  readonly description: string
  /** Queue mono float32 samples for playback. */
  write(samples: Float32Array): void
  /** Resolves once the device plays; rejects with NoAudioOutputError when it cannot be opened. */
  ready(): Promise<void>
  /** Buffer underruns reported so far (the output ran dry: an audible gap). */
  readonly underruns: number
  /** Resolves when everything written has been played and the output is closed. */
  end(): Promise<void>
  /** Stop now, dropping what is queued. */
  abort(): void
}

export interface AudioOutputOptions {
  sampleRateHz: number
  /** PulseAudio sink name; default sink when absent. */
  device?: string
  /** Output buffer the server keeps: small for live listening, larger for file playback. */
  latencyMs?: number
  /** 'pacat' skips the addon (benchmarks compare the two). */
  backend?: 'auto' | 'addon' | 'pacat'
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The addon's stream keeps at most `latencyMs` queued (older audio is dropped, so latency never
 * creeps up); longer writes (file playback) wait here and are fed in as it drains.
 */
class AddonOutput implements AudioOutput {
  readonly description: string
  private readonly stream: NativeOutputStream
  private readonly pending: Float32Array[] = []
  private pendingOffset = 0
  private readonly targetFrames: number
  private timer: NodeJS.Timeout | null = null

  constructor(binding: OutputBinding, device: NativeOutputDevice, options: AudioOutputOptions) {
    const latencyS = (options.latencyMs ?? 50) / 1000
    // PulseAudio (through ALSA's pulse plugin) opens the sink named here.
    if (options.device) process.env.PULSE_SINK = options.device
    this.stream = new binding.OutputStream!({ deviceIndex: device.index, sampleRateHz: options.sampleRateHz, channels: 1, maxLatencySeconds: latencyS, prefillSeconds: Math.min(0.02, latencyS / 2) })
    this.targetFrames = Math.max(1, Math.floor(0.75 * latencyS * options.sampleRateHz))
    this.description = `PortAudio '${device.name}'${options.device ? ` → ${options.device}` : ''}`
  }

  get underruns(): number {
    return this.stream.underruns
  }

  async ready(): Promise<void> {
    // Opening runs on the addon's own thread; a dead audio server fails there, not here.
    for (let waitedMs = 0; this.stream.state === 'opening' && waitedMs < 5000; waitedMs += 10) await sleep(10)
    if (this.stream.state !== 'running') throw new NoAudioOutputError(`audio output ${this.description}: ${this.stream.error ?? `not running (${this.stream.state})`}`)
  }

  write(samples: Float32Array): void {
    this.pending.push(samples)
    this.feed()
  }

  private feed(): void {
    let room = this.targetFrames - this.stream.queuedFrames
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
    while (this.pending.length > 0 || this.stream.queuedFrames > 0) {
      if (this.stream.state === 'failed') break
      await sleep(10)
    }
    this.stream.close()
    if (this.stream.state === 'failed') throw new NoAudioOutputError(`audio output ${this.description} failed: ${this.stream.error ?? 'unknown error'}`)
  }

  abort(): void {
    if (this.timer) clearTimeout(this.timer)
    this.pending.length = 0
    this.stream.close()
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

  constructor(options: AudioOutputOptions, env: NodeJS.ProcessEnv) {
    const args = ['--playback', '--raw', '--format=float32le', `--rate=${Math.round(options.sampleRateHz)}`, '--channels=1', `--latency-msec=${options.latencyMs ?? 50}`, '--verbose', '--client-name=ausculta', '--stream-name=listening']
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

  async ready(): Promise<void> {
    // pacat reports a failed connection by exiting; give it a moment to do so.
    const early = await Promise.race([this.exited, sleep(150).then(() => 'running' as const)])
    if (early !== 'running') throw new NoAudioOutputError(`audio output ${this.description} failed (exit ${early}): ${this.stderrTail.trim().split('\n').pop() ?? ''}`)
  }

  write(samples: Float32Array): void {
    if (!this.child.stdin.writable) return
    this.child.stdin.write(Buffer.from(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength)))
  }

  async end(): Promise<void> {
    this.child.stdin.end()
    const code = await this.exited
    if (code !== 0) throw new NoAudioOutputError(`audio output ${this.description} failed (exit ${code}): ${this.stderrTail.trim().split('\n').pop() ?? ''}`)
  }

  abort(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM')
  }
}

/** An output on `device` (or the default), or NoAudioOutputError naming what is missing. */
export function openAudioOutput(options: AudioOutputOptions, env: NodeJS.ProcessEnv = process.env): AudioOutput {
  if (!(options.sampleRateHz > 0)) throw new NoAudioOutputError(`sampleRateHz: must be > 0, got ${options.sampleRateHz}`)
  if (options.backend !== 'pacat') {
    const binding = loadAudioAddon() as OutputBinding | Error
    if (!(binding instanceof Error) && binding.OutputStream && binding.listOutputDevices) {
      const devices = binding.listOutputDevices()
      const device = devices.find((d) => d.name === 'pulse') ?? devices.find((d) => d.isDefaultOutput)
      if (device) return new AddonOutput(binding, device, options)
    }
    if (options.backend === 'addon') throw new NoAudioOutputError('no audio output device: the PortAudio addon has no output stream or no output device')
  }
  if (!pulseReachable(env)) {
    throw new NoAudioOutputError('no audio output device: the PortAudio addon offers none and no PulseAudio server answers (pactl info failed); use --out <file.wav> to write the processed sound instead')
  }
  return new PacatOutput(options, env)
}
