import { InvalidArgumentError } from '../errors'
import type { BiquadCascade } from './biquad'
import { createListeningFilter, isListeningFilterMode, type ListeningFilterMode } from './listening-filters'

/** What the clinician hears: a chest-piece band, or the captured sound unfiltered. */
export type ListeningPathFilter = ListeningFilterMode | 'none'

export const LISTENING_GAIN_MIN_DB = 0
export const LISTENING_GAIN_MAX_DB = 30

export interface ListeningPathOptions {
  sampleRateHz: number
  filter?: ListeningPathFilter
  /** Amplification before the limiter, 0 … +30 dB (heart sounds are quiet at the chest). */
  gainDb?: number
  /** Peak the output never exceeds: −1 dBFS leaves room for the sound card's own rounding. */
  ceiling?: number
  /**
   * How far the limiter looks ahead. It sees a peak this long before the peak is output, so
   * the gain can glide down instead of snapping; it is also the path's only buffering.
   */
  lookAheadMs?: number
  /** Time constant for the gain to recover after a peak (long enough not to pump on every S1). */
  releaseMs?: number
  /** Gain, volume and mute changes glide over this long (a step in gain is an audible click). */
  rampMs?: number
}

export const LISTENING_PATH_DEFAULTS = {
  filter: 'diaphragm',
  gainDb: 12,
  ceiling: 10 ** (-1 / 20),
  lookAheadMs: 2,
  releaseMs: 150,
  rampMs: 20,
} as const satisfies Omit<Required<ListeningPathOptions>, 'sampleRateHz'>

function checkGainDb(gainDb: number): number {
  if (!(gainDb >= LISTENING_GAIN_MIN_DB && gainDb <= LISTENING_GAIN_MAX_DB)) {
    throw new InvalidArgumentError(`gainDb: must be in [${LISTENING_GAIN_MIN_DB}, ${LISTENING_GAIN_MAX_DB}] dB, got ${gainDb}`)
  }
  return gainDb
}

function checkVolume(volume: number): number {
  if (!(volume >= 0 && volume <= 1)) throw new InvalidArgumentError(`volume: must be in [0, 1], got ${volume}`)
  return volume
}

/**
 * The live listening chain, streaming: listening filter → gain (0…+30 dB) × volume × mute →
 * look-ahead peak limiter. `process(chunk)` returns as many samples as it was given, delayed by
 * `latencySamples` (the look-ahead; the filter adds its own group delay on top, a few ms in the
 * pass band). It never waits for more input than the chunk it is given, so capture callbacks can
 * feed it directly.
 *
 * The limiter guarantees |output| ≤ ceiling for any input, whatever the gain: the gain applied to
 * a sample is never above ceiling / |that sample|. A look-ahead window lets that gain start
 * falling before the peak reaches the output, so a loud knock is turned down, not clipped.
 */
export class ListeningPath {
  readonly sampleRateHz: number
  readonly ceiling: number
  /** Delay of the limiter's look-ahead, in samples. */
  readonly latencySamples: number

  private filterMode: ListeningPathFilter
  private filter: BiquadCascade | null
  private targetLinearGain: number
  private currentLinearGain: number
  private gainDbValue: number
  private volumeValue = 1
  private mutedValue = false
  private readonly rampCoefficient: number
  private readonly attackCoefficient: number
  private readonly releaseCoefficient: number
  /** Amplified samples waiting for output, and the gain each one needs to stay below ceiling. */
  private readonly delayLine: Float64Array
  private readonly requiredGain: Float64Array
  private writeIndex = 0
  private limiterGain = 1
  private reductionSamples = 0

  constructor(options: ListeningPathOptions) {
    const o = { ...LISTENING_PATH_DEFAULTS, ...options }
    if (!(o.sampleRateHz > 0) || !Number.isFinite(o.sampleRateHz))
      throw new InvalidArgumentError(`sampleRateHz: must be positive and finite, got ${o.sampleRateHz}`)
    if (!(o.ceiling > 0 && o.ceiling <= 1)) throw new InvalidArgumentError(`ceiling: must be in (0, 1], got ${o.ceiling}`)
    if (!(o.lookAheadMs >= 0 && o.lookAheadMs <= 50))
      throw new InvalidArgumentError(`lookAheadMs: must be in [0, 50], got ${o.lookAheadMs}`)
    if (!(o.releaseMs > 0) || !(o.rampMs > 0))
      throw new InvalidArgumentError(`releaseMs and rampMs: must be > 0, got ${o.releaseMs} and ${o.rampMs}`)
    this.sampleRateHz = o.sampleRateHz
    this.ceiling = o.ceiling
    this.latencySamples = Math.round((o.lookAheadMs / 1000) * o.sampleRateHz)
    this.filterMode = o.filter
    this.filter = this.makeFilter(o.filter)
    this.gainDbValue = checkGainDb(o.gainDb)
    this.targetLinearGain = this.linearGain()
    this.currentLinearGain = this.targetLinearGain
    const perSample = (ms: number): number => Math.exp(-1 / Math.max(1, (ms / 1000) * o.sampleRateHz))
    this.rampCoefficient = perSample(o.rampMs)
    // Attack: reach the needed gain within the look-ahead (time constant a third of it → 95 %);
    // the hard bound below covers the remaining 5 %.
    this.attackCoefficient = perSample(o.lookAheadMs / 3)
    this.releaseCoefficient = perSample(o.releaseMs)
    this.delayLine = new Float64Array(this.latencySamples + 1)
    this.requiredGain = new Float64Array(this.latencySamples + 1).fill(1)
  }

  get filterName(): ListeningPathFilter {
    return this.filterMode
  }

  get gainDb(): number {
    return this.gainDbValue
  }

  get volume(): number {
    return this.volumeValue
  }

  get muted(): boolean {
    return this.mutedValue
  }

  /** How many processed samples the limiter turned down (a UI can show "limiting"). */
  get limitingSamples(): number {
    return this.reductionSamples
  }

  setFilter(filter: ListeningPathFilter): void {
    this.filter = this.makeFilter(filter)
    this.filterMode = filter
  }

  setGainDb(gainDb: number): void {
    this.gainDbValue = checkGainDb(gainDb)
    this.targetLinearGain = this.linearGain()
  }

  /** Output volume 0…1 (the live screen's slider), on top of the gain. */
  setVolume(volume: number): void {
    this.volumeValue = checkVolume(volume)
    this.targetLinearGain = this.linearGain()
  }

  setMuted(muted: boolean): void {
    this.mutedValue = muted
    this.targetLinearGain = this.linearGain()
  }

  /** Forget the filter state and the look-ahead (e.g. when the source changes). */
  reset(): void {
    this.filter?.reset()
    this.delayLine.fill(0)
    this.requiredGain.fill(1)
    this.writeIndex = 0
    this.limiterGain = 1
    this.currentLinearGain = this.targetLinearGain
  }

  process(chunk: Float32Array): Float32Array {
    const buffer = Float64Array.from(chunk)
    this.filter?.processInPlace(buffer)
    const out = new Float32Array(buffer.length)
    const length = this.delayLine.length
    const ceiling = this.ceiling
    for (let i = 0; i < buffer.length; i++) {
      this.currentLinearGain = this.targetLinearGain + this.rampCoefficient * (this.currentLinearGain - this.targetLinearGain)
      let x = buffer[i]! * this.currentLinearGain
      // NaN or ±∞ from a broken source must not reach the ears.
      if (!Number.isFinite(x)) x = 0
      const magnitude = Math.abs(x)
      this.delayLine[this.writeIndex] = x
      this.requiredGain[this.writeIndex] = magnitude > ceiling ? ceiling / magnitude : 1
      this.writeIndex = (this.writeIndex + 1) % length
      // The oldest sample in the line is the one output now; the window holds it and the
      // look-ahead behind it.
      const outIndex = this.writeIndex
      let windowGain = 1
      for (let k = 0; k < length; k++) {
        const g = this.requiredGain[k]!
        if (g < windowGain) windowGain = g
      }
      const coefficient = windowGain < this.limiterGain ? this.attackCoefficient : this.releaseCoefficient
      this.limiterGain = windowGain + coefficient * (this.limiterGain - windowGain)
      const gain = Math.min(this.limiterGain, this.requiredGain[outIndex]!)
      if (gain < 1) this.reductionSamples++
      const y = this.delayLine[outIndex]! * gain
      // Float32 rounding can lift a sample a hair above the bound.
      out[i] = y > ceiling ? ceiling : y < -ceiling ? -ceiling : y
    }
    return out
  }

  private linearGain(): number {
    return this.mutedValue ? 0 : 10 ** (this.gainDbValue / 20) * this.volumeValue
  }

  private makeFilter(filter: ListeningPathFilter): BiquadCascade | null {
    if (filter === 'none') return null
    if (!isListeningFilterMode(filter))
      throw new InvalidArgumentError(`filter: unknown listening filter ${JSON.stringify(filter)} (bell, diaphragm, wide or none)`)
    return createListeningFilter(filter, this.sampleRateHz)
  }
}
