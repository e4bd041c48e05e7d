/**
 * The strip chart's sample store: a plain ring of the last few seconds, filtered as it arrives
 * with the selected listening filter. Deliberately outside Svelte's reactive state: it changes
 * ~10× a second with thousands of samples, and only the canvas reads it.
 */
import { createListeningFilter, type ListeningFilterMode } from '../../../core/dsp/listening-filters'
import type { BiquadCascade } from '../../../core/dsp/biquad'

export class PcgBuffer {
  readonly seconds: number
  private samples: Float32Array
  private writeIndex = 0
  private filled = 0
  private rateHz = 0
  private filter: BiquadCascade | null = null
  private mode: ListeningFilterMode
  /** Stream index one past the newest sample, for aligning beat marks and the grid. */
  lastSampleIndex = 0
  /** Bumped on every append so the chart knows when to redraw. */
  version = 0

  constructor(seconds: number, mode: ListeningFilterMode) {
    this.seconds = seconds
    this.mode = mode
    this.samples = new Float32Array(0)
  }

  get sampleRateHz(): number {
    return this.rateHz
  }

  get length(): number {
    return this.filled
  }

  setMode(mode: ListeningFilterMode): void {
    if (mode === this.mode) return
    this.mode = mode
    this.filter = this.rateHz > 0 ? createListeningFilter(mode, this.rateHz) : null
  }

  append(samples: readonly number[], sampleRateHz: number, firstSampleIndex: number): void {
    if (sampleRateHz !== this.rateHz) {
      this.rateHz = sampleRateHz
      this.samples = new Float32Array(Math.round(sampleRateHz * this.seconds))
      this.writeIndex = 0
      this.filled = 0
      this.filter = createListeningFilter(this.mode, sampleRateHz)
    }
    const chunk = Float32Array.from(samples)
    const capacity = this.samples.length
    this.filter?.processInPlace(chunk)
    for (let i = 0; i < chunk.length; i++) {
      this.samples[this.writeIndex] = chunk[i]!
      this.writeIndex = (this.writeIndex + 1) % capacity
    }
    this.filled = Math.min(capacity, this.filled + chunk.length)
    this.lastSampleIndex = firstSampleIndex + samples.length
    this.version++
  }

  /** Sample `i` counted from the oldest kept (0) to the newest (length − 1). */
  at(i: number): number {
    const capacity = this.samples.length
    return this.samples[(this.writeIndex - this.filled + i + capacity * 2) % capacity] ?? 0
  }

  clear(): void {
    this.filled = 0
    this.writeIndex = 0
    this.filter?.reset()
    this.version++
  }
}
