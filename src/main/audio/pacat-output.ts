/**
 * PulseAudio's `pacat` as an AudioOutput: the fallback where the addon has no output stream
 * (every Linux desktop with PulseAudio or PipeWire-pulse has it). It cannot report levels.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { NoAudioOutputError } from './audio-output-errors'
import type { AudioOutput, AudioOutputOptions, AudioOutputStats } from './audio-output-types'
import { ListenerSet } from '../listener-set'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function pulseReachable(env: NodeJS.ProcessEnv): boolean {
  const result = spawnSync('pactl', ['info'], { env, stdio: 'ignore', timeout: 3000 })
  return result.status === 0
}

export class PacatOutput implements AudioOutput {
  readonly description: string
  private readonly child: ChildProcessWithoutNullStreams
  private underrunCount = 0
  private readonly exited: Promise<number | null>
  private stderrTail = ''
  private aborted = false
  private readonly failureListeners = new ListenerSet<[NoAudioOutputError]>('audio output failure')

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
    // pacat exits when its server goes: that exit is the failure, told to listeners once its
    // stderr is read ('close' comes after the streams end; the message quotes it).
    this.child.on('close', () => {
      const failure = this.failure
      if (failure) this.failureListeners.emit(failure)
    })
  }

  onFailure(listener: (failure: NoAudioOutputError) => void): () => void {
    return this.failureListeners.add(listener)
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
