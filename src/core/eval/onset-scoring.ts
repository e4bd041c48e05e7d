/**
 * Onset detection scoring (Springer et al. 2016's convention): a detected onset is a true
 * positive when it lies within ±tolerance of a reference onset, each reference matched at most
 * once and each detection at most once.
 */
import { InvalidArgumentError } from '../errors'

/** Springer et al.'s tolerance for S1/S2 onsets. */
export const ONSET_TOLERANCE_S = 0.05

export interface OnsetCounts {
  truePositives: number
  falsePositives: number
  falseNegatives: number
}

export interface OnsetScores extends OnsetCounts {
  /** NaN when nothing was detected. */
  precision: number
  /** NaN when there was nothing to detect. */
  recall: number
  /** NaN when both are NaN or both zero. */
  f1: number
}

/**
 * Maximum one-to-one matching of `detectedS` to `referenceS` within ±`toleranceS`. On a line,
 * walking both sorted lists and matching each reference to the earliest detection still in
 * reach is optimal (no matching pairs more).
 */
export function matchOnsets(detectedS: readonly number[], referenceS: readonly number[], toleranceS = ONSET_TOLERANCE_S): OnsetCounts {
  if (!(toleranceS >= 0) || !Number.isFinite(toleranceS))
    throw new InvalidArgumentError(`toleranceS: must be ≥ 0 and finite, got ${toleranceS}`)
  const detected = [...detectedS].sort((a, b) => a - b)
  const reference = [...referenceS].sort((a, b) => a - b)
  // Float slack so that an onset exactly 50 ms away counts, as the convention intends.
  const reach = toleranceS + 1e-9
  let d = 0
  let matched = 0
  for (const r of reference) {
    while (d < detected.length && detected[d]! < r - reach) d++
    if (d < detected.length && detected[d]! <= r + reach) {
      matched++
      d++
    }
  }
  return { truePositives: matched, falsePositives: detected.length - matched, falseNegatives: reference.length - matched }
}

export function addCounts(a: OnsetCounts, b: OnsetCounts): OnsetCounts {
  return {
    truePositives: a.truePositives + b.truePositives,
    falsePositives: a.falsePositives + b.falsePositives,
    falseNegatives: a.falseNegatives + b.falseNegatives,
  }
}

export const ZERO_COUNTS: Readonly<OnsetCounts> = { truePositives: 0, falsePositives: 0, falseNegatives: 0 }

export function onsetScores(counts: OnsetCounts): OnsetScores {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = counts
  const precision = tp + fp > 0 ? tp / (tp + fp) : NaN
  const recall = tp + fn > 0 ? tp / (tp + fn) : NaN
  const f1 = tp > 0 ? (2 * precision * recall) / (precision + recall) : tp + fp + fn > 0 ? 0 : NaN
  return { ...counts, precision, recall, f1 }
}
