/**
 * A WAV file played as if a stethoscope were streaming it: in real time for demos (and when no
 * device is plugged in), or faster (speed factor) for tests and benchmarks. At `speed: Infinity`
 * it waits for its listeners between chunks, so a fast consumer sets the pace and nothing is lost.
 */
import { basename } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import { readWavMono } from '../io/wav-file'
import { ListenerSet } from '../listener-set'
import type { PcmSource, SourceEvent, SourceListener } from '../devices/source'

export interface DemoSourceOptions {
  /** 1 = real time; 10 = ten times faster; Infinity = as fast as the listeners take it. */
  speed?: number
  /** Start again at the end (the demo runs until stopped). */
  loop?: boolean
  /** Length of each chunk in seconds of audio (sound cards deliver ~10–100 ms). */
  chunkSeconds?: number
  /**
   * With `loop`: the stretch of the file that repeats, in seconds (default: all of it). A loop cut
   * at two S1 onsets repeats whole cardiac cycles; a loop cut mid-cycle gives the stream a beat the
   * heart never had once per pass (demo-catalog.ts).
   */
  loopSeconds?: { startS: number; endS: number }
}

export class DemoFileSource implements PcmSource {
  readonly kind = 'demo' as const
  readonly id: string
  readonly label: string
  private readonly listeners = new ListenerSet<[SourceEvent]>('demo source')
  private readonly speed: number
  private readonly loop: boolean
  private readonly chunkSeconds: number
  private readonly loopSeconds: { startS: number; endS: number } | null
  private running = false
  private timer: NodeJS.Timeout | null = null
  private finished: Promise<void> = Promise.resolve()
  private endPaced: (() => void) | null = null

  constructor(
    readonly wavPath: string,
    options: DemoSourceOptions = {},
  ) {
    this.speed = options.speed ?? 1
    this.loop = options.loop ?? false
    this.chunkSeconds = options.chunkSeconds ?? 0.05
    this.loopSeconds = options.loopSeconds ?? null
    if (this.loopSeconds && !(this.loopSeconds.startS >= 0 && this.loopSeconds.endS > this.loopSeconds.startS))
      throw new InvalidArgumentError(`demo source loopSeconds must satisfy 0 ≤ startS < endS, got ${JSON.stringify(this.loopSeconds)}`)
    if (!(this.speed > 0)) throw new InvalidArgumentError(`demo source speed must be > 0, got ${this.speed}`)
    if (!(this.chunkSeconds > 0)) throw new InvalidArgumentError(`demo source chunkSeconds must be > 0, got ${this.chunkSeconds}`)
    this.id = `demo:${wavPath}`
    this.label = `Demo recording ${basename(wavPath)}`
  }

  on(listener: SourceListener): () => void {
    return this.listeners.add(listener)
  }

  /** Waits for the listeners between chunks, so a fast consumer sets the pace and nothing is lost. */
  private async emit(event: SourceEvent): Promise<void> {
    await this.listeners.emitAndWait(event)
  }

  async start(): Promise<void> {
    if (this.running) return
    await this.emit({ type: 'status', status: 'connecting' })
    let audio: { samples: Float32Array; sampleRateHz: number }
    try {
      audio = readWavMono(this.wavPath)
    } catch (error) {
      await this.emit({ type: 'status', status: 'error', detail: (error as Error).message })
      await this.emit({ type: 'error', error: error as Error })
      throw error
    }
    if (audio.samples.length === 0) {
      const error = new InvalidArgumentError(`${this.wavPath}: the recording holds no samples`)
      await this.emit({ type: 'error', error })
      throw error
    }
    if (this.loop && this.loopSeconds) {
      const first = Math.min(audio.samples.length - 1, Math.round(this.loopSeconds.startS * audio.sampleRateHz))
      const end = Math.min(audio.samples.length, Math.round(this.loopSeconds.endS * audio.sampleRateHz))
      if (end > first) audio = { samples: audio.samples.subarray(first, end), sampleRateHz: audio.sampleRateHz }
    }
    this.running = true
    await this.emit({ type: 'status', status: 'streaming' })
    this.finished = Number.isFinite(this.speed) ? this.playPaced(audio) : this.playFlatOut(audio)
  }

  private chunkAt(audio: { samples: Float32Array; sampleRateHz: number }, streamIndex: number, length: number): Float32Array {
    const total = audio.samples.length
    const out = new Float32Array(length)
    for (let i = 0; i < length; i++) out[i] = audio.samples[(streamIndex + i) % total] as number
    return out
  }

  /** Real time (or a multiple): a timer tops the stream up to where the wall clock says it is. */
  private playPaced(audio: { samples: Float32Array; sampleRateHz: number }): Promise<void> {
    return new Promise((resolve) => {
      this.endPaced = resolve
      const total = audio.samples.length
      const started = performance.now()
      let emitted = 0
      const tick = (): void => {
        if (!this.running) return resolve()
        const due = Math.floor(((performance.now() - started) / 1000) * audio.sampleRateHz * this.speed)
        const limit = this.loop ? due : Math.min(due, total)
        const chunkLength = Math.max(1, Math.round(this.chunkSeconds * audio.sampleRateHz))
        while (emitted < limit) {
          const length = Math.min(chunkLength, limit - emitted)
          void this.emit({
            type: 'chunk',
            chunk: { samples: this.chunkAt(audio, emitted, length), sampleRateHz: audio.sampleRateHz, firstSampleIndex: emitted },
          })
          emitted += length
        }
        if (!this.loop && emitted >= total) {
          this.running = false
          void this.emit({ type: 'end' }).then(() => this.emit({ type: 'status', status: 'stopped' }))
          return resolve()
        }
        this.timer = setTimeout(tick, Math.max(1, (this.chunkSeconds * 1000) / Math.max(1, this.speed)))
      }
      tick()
    })
  }

  /** As fast as the listeners take it, awaiting them between chunks. */
  private async playFlatOut(audio: { samples: Float32Array; sampleRateHz: number }): Promise<void> {
    const total = audio.samples.length
    const chunkLength = Math.max(1, Math.round(this.chunkSeconds * audio.sampleRateHz))
    let emitted = 0
    while (this.running && (this.loop || emitted < total)) {
      const length = this.loop ? chunkLength : Math.min(chunkLength, total - emitted)
      await this.emit({
        type: 'chunk',
        chunk: { samples: this.chunkAt(audio, emitted, length), sampleRateHz: audio.sampleRateHz, firstSampleIndex: emitted },
      })
      emitted += length
      // Yield to the event loop so worker replies and stop() get through.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    if (this.running) {
      this.running = false
      await this.emit({ type: 'end' })
      await this.emit({ type: 'status', status: 'stopped' })
    }
  }

  /** Resolves when playback has ended (end of file, or stop()). */
  whenFinished(): Promise<void> {
    return this.finished
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.endPaced?.()
    await this.finished
    await this.emit({ type: 'status', status: 'stopped' })
  }
}
