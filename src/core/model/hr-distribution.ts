/**
 * Decoding an HR distribution over 1-bpm bins into a heart rate and a confidence. The Python
 * training code (models/training) implements the same rule for the model card's figures, so the
 * app and the card measure the same thing.
 *
 * Rule: a = the arg-max bin; HR = the probability-weighted mean of the bins within ±5 bins of a
 * (renormalised), which gives sub-bin precision without letting a far-off second mode (a half- or
 * double-rate alternative) pull the estimate; confidence = the probability mass within those
 * ±5 bins, i.e. how sure the model is that the HR lies within about 5 bpm of what we show.
 */
import { InvalidArgumentError } from '../errors'

export interface HrBins {
  minBpm: number
  maxBpm: number
  stepBpm: number
}

export interface HrEstimate {
  hrBpm: number
  /** Probability mass within ±`DECODE_HALF_WIDTH_BINS` bins of the arg-max, in [0, 1]. */
  confidence: number
}

export const DECODE_HALF_WIDTH_BINS = 5

export function hrBinCount(bins: HrBins): number {
  return Math.round((bins.maxBpm - bins.minBpm) / bins.stepBpm) + 1
}

/** Decodes one distribution (`probs.length` must equal the bin count). */
export function decodeHrDistribution(probs: ArrayLike<number>, bins: HrBins): HrEstimate {
  const binCount = hrBinCount(bins)
  if (probs.length !== binCount) {
    throw new InvalidArgumentError(
      `HR distribution has ${probs.length} bins, the model card says ${binCount} (${bins.minBpm}–${bins.maxBpm} bpm, step ${bins.stepBpm})`,
    )
  }
  let argMax = 0
  for (let i = 1; i < binCount; i++) if ((probs[i] as number) > (probs[argMax] as number)) argMax = i
  const first = Math.max(0, argMax - DECODE_HALF_WIDTH_BINS)
  const last = Math.min(binCount - 1, argMax + DECODE_HALF_WIDTH_BINS)
  let mass = 0
  let weighted = 0
  for (let i = first; i <= last; i++) {
    const p = probs[i] as number
    mass += p
    weighted += p * (bins.minBpm + i * bins.stepBpm)
  }
  if (!(mass > 0) || !Number.isFinite(weighted)) {
    throw new InvalidArgumentError(`HR distribution is not a probability distribution (mass near the peak ${mass})`)
  }
  return { hrBpm: weighted / mass, confidence: Math.min(1, Math.max(0, mass)) }
}

/** Decodes `count` distributions stored back to back in `flat` (row-major [count, bins]). */
export function decodeHrDistributions(flat: Float32Array, count: number, bins: HrBins): HrEstimate[] {
  const binCount = hrBinCount(bins)
  if (flat.length !== count * binCount) {
    throw new InvalidArgumentError(`expected ${count}×${binCount} probabilities, got ${flat.length}`)
  }
  const estimates: HrEstimate[] = []
  for (let row = 0; row < count; row++) estimates.push(decodeHrDistribution(flat.subarray(row * binCount, (row + 1) * binCount), bins))
  return estimates
}
