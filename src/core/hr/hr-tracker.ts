/**
 * Tracks the heart rate across windows: a forward (HMM filtering) pass over the production head's
 * posteriors on its 1-bpm bins. Between hops the heart rate may drift (a Gaussian step of
 * `stepSigmaBpm`) or, rarely, jump anywhere (`jumpProbability`, spread uniformly), so one odd
 * window moves the track little while a lasting change is followed within a few windows.
 * Causal: the live screen can use it as each window arrives. Pure; no I/O.
 */
import { InvalidArgumentError } from '../errors'
import { decodeHrDistribution, hrBinCount, type HrBins, type HrEstimate } from '../model/hr-distribution'

export interface HrTrackerOptions {
  /** Standard deviation of the HR change over one hop, bpm. */
  stepSigmaBpm: number
  /** Probability per hop that the HR jumps to any value (keeps the track from locking in). */
  jumpProbability: number
}

export class HrTracker {
  private posterior: Float64Array | null = null
  private readonly kernel: Float64Array
  private readonly binCount: number
  private readonly scratch: Float64Array

  constructor(
    private readonly bins: HrBins,
    private readonly options: HrTrackerOptions,
  ) {
    if (!(options.stepSigmaBpm > 0)) throw new InvalidArgumentError(`stepSigmaBpm must be > 0, got ${options.stepSigmaBpm}`)
    if (!(options.jumpProbability >= 0 && options.jumpProbability < 1))
      throw new InvalidArgumentError(`jumpProbability must be in [0, 1), got ${options.jumpProbability}`)
    this.binCount = hrBinCount(bins)
    const sigmaBins = options.stepSigmaBpm / bins.stepBpm
    const half = Math.ceil(4 * sigmaBins)
    this.kernel = new Float64Array(2 * half + 1)
    let sum = 0
    for (let k = -half; k <= half; k++) sum += this.kernel[k + half] = Math.exp(-0.5 * (k / sigmaBins) ** 2)
    for (let k = 0; k < this.kernel.length; k++) (this.kernel[k] as number) /= sum
    this.scratch = new Float64Array(this.binCount)
  }

  /** True once a window has been absorbed since the last reset. */
  get tracking(): boolean {
    return this.posterior !== null
  }

  /** Absorbs one window's likelihood over the bins (any positive scale) and returns the tracked estimate. */
  update(likelihood: ArrayLike<number>): HrEstimate {
    if (likelihood.length !== this.binCount)
      throw new InvalidArgumentError(`likelihood has ${likelihood.length} bins, the tracker ${this.binCount}`)
    const next = new Float64Array(this.binCount)
    if (this.posterior === null) {
      for (let i = 0; i < this.binCount; i++) next[i] = likelihood[i] as number
    } else {
      this.predictInto(this.posterior, this.scratch)
      for (let i = 0; i < this.binCount; i++) next[i] = (this.scratch[i] as number) * (likelihood[i] as number)
    }
    let total = 0
    for (let i = 0; i < this.binCount; i++) total += next[i] as number
    if (!(total > 0) || !Number.isFinite(total)) {
      // A likelihood with no mass anywhere the track allows: start again from this window alone.
      for (let i = 0; i < this.binCount; i++) next[i] = likelihood[i] as number
      total = next.reduce((a, b) => a + b, 0)
      if (!(total > 0)) throw new InvalidArgumentError('likelihood has no positive mass')
    }
    for (let i = 0; i < this.binCount; i++) (next[i] as number) /= total
    this.posterior = next
    return decodeHrDistribution(next, this.bins)
  }

  reset(): void {
    this.posterior = null
  }

  /** prior = (1 − jump) · (posterior ∗ Gaussian step) + jump · uniform. */
  private predictInto(posterior: Float64Array, out: Float64Array): void {
    const half = (this.kernel.length - 1) / 2
    const uniform = this.options.jumpProbability / this.binCount
    const keep = 1 - this.options.jumpProbability
    for (let i = 0; i < this.binCount; i++) {
      let acc = 0
      // Edges renormalise implicitly: mass leaving the bin range is dropped and the update renormalises.
      const lo = Math.max(0, i - half)
      const hi = Math.min(this.binCount - 1, i + half)
      for (let j = lo; j <= hi; j++) acc += (posterior[j] as number) * (this.kernel[i - j + half] as number)
      out[i] = keep * acc + uniform
    }
  }
}
