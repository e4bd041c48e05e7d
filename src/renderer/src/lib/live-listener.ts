/**
 * Live listening: the incoming heart sound, through the selected listening filter and a gain
 * stage (heart sounds are quiet), to the computer's audio output (headphones). Chunks are queued
 * back to back on the audio clock ~150 ms ahead, enough to ride out the 100-ms chunk cadence.
 */
import type { ListeningFilterMode } from '../../../core/dsp/listening-filters'
import { ListeningPath } from '../../../core/dsp/listening-path'
import { sliderGainToDb as gainDb } from './listening-route'

/** Output lead: chunks arrive every ~100 ms, so 150 ms of queue avoids gaps without a noticeable delay. */
const LEAD_S = 0.15

export class LiveListener {
  private context: AudioContext | null = null
  private gainNode: GainNode | null = null
  /** Filter → gain → limiter (never above −1 dBFS, so no painful clicks whatever the gain). */
  private path: ListeningPath | null = null
  private pathRateHz = 0
  private nextStartS = 0

  constructor(
    private mode: ListeningFilterMode,
    private gain: number,
  ) {}

  start(): void {
    if (this.context) return
    this.context = new AudioContext({ latencyHint: 'interactive' })
    this.gainNode = this.context.createGain()
    this.gainNode.gain.value = 1
    this.gainNode.connect(this.context.destination)
    this.nextStartS = 0
  }

  stop(): void {
    void this.context?.close()
    this.context = null
    this.gainNode = null
  }

  get active(): boolean {
    return this.context !== null
  }

  setMode(mode: ListeningFilterMode): void {
    this.mode = mode
    this.path?.setFilter(mode)
  }

  setGain(gain: number): void {
    this.gain = gain
    this.path?.setGainDb(gainDb(gain))
  }

  push(samples: readonly number[], sampleRateHz: number): void {
    const context = this.context
    const gainNode = this.gainNode
    if (!context || !gainNode || samples.length === 0) return
    if (!this.path || this.pathRateHz !== sampleRateHz) {
      this.path = new ListeningPath({ sampleRateHz, filter: this.mode, gainDb: gainDb(this.gain) })
      this.pathRateHz = sampleRateHz
    }
    const chunk = this.path.process(Float32Array.from(samples))
    const buffer = context.createBuffer(1, chunk.length, sampleRateHz)
    buffer.copyToChannel(chunk as Float32Array<ArrayBuffer>, 0)
    const node = context.createBufferSource()
    node.buffer = buffer
    node.connect(gainNode)
    // Behind the clock (first chunk, or the page was throttled): restart the queue LEAD_S ahead.
    if (this.nextStartS < context.currentTime + 0.02) this.nextStartS = context.currentTime + LEAD_S
    node.start(this.nextStartS)
    this.nextStartS += buffer.duration
  }
}
