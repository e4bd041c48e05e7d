/**
 * Where processed audio goes to be heard. The PortAudio addon (native/) has capture streams
 * only so far; until it gains output streams (an `OutputStream` class on the binding, used
 * here as soon as it appears), playback goes through PulseAudio's `pacat`, which every Linux
 * desktop with PulseAudio or PipeWire-pulse has. Without either, a clear error says so.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { AuscultaError } from '../../core/errors'

export class NoAudioOutputError extends AuscultaError {}

export interface AudioOutput {
  readonly description: string
  /** Queue mono float32 samples for playback. */
  write(samples: Float32Array): void
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
  if (!pulseReachable(env)) {
    throw new NoAudioOutputError('no audio output device: the PortAudio addon has no output streams yet and no PulseAudio server answers (pactl info failed); use --out <file.wav> to write the processed sound instead')
  }
  return new PacatOutput(options, env)
}
