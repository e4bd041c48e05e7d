/**
 * Fitting the display decision's calibration (docs/hr-decision.md): the softmax temperature by
 * negative log-likelihood, the isotonic map from the raw score to P(|error| ≤ 5 bpm) by pool-
 * adjacent-violators, both on validation patients' windows. Pure: the script that gathers the
 * windows and writes the card is scripts/calibrate-display.ts.
 */
import { InvalidArgumentError } from '../errors'
import { decodeHrDistribution, type HrBins } from '../model/hr-distribution'
import { temper } from './hr-decision'

export interface LabelledDistribution {
  probs: ArrayLike<number>
  noHrProb: number | null
  referenceBpm: number
}

/** Mean negative log-likelihood of the reference's bin under the tempered distribution. */
export function temperedNll(items: readonly LabelledDistribution[], bins: HrBins, temperature: number): number {
  let sum = 0
  for (const item of items) {
    const q = temper(item.probs, temperature)
    const bin = Math.min(q.length - 1, Math.max(0, Math.round((item.referenceBpm - bins.minBpm) / bins.stepBpm)))
    sum += -Math.log(Math.max(1e-12, q[bin] as number))
  }
  return sum / Math.max(1, items.length)
}

export function fitTemperature(
  items: readonly LabelledDistribution[],
  bins: HrBins,
  grid: readonly number[] = defaultTemperatureGrid(),
): { temperature: number; nll: number; nllAtOne: number } {
  if (items.length === 0) throw new InvalidArgumentError('fitTemperature: no labelled windows')
  let best = { temperature: 1, nll: Number.POSITIVE_INFINITY }
  for (const t of grid) {
    const nll = temperedNll(items, bins, t)
    if (nll < best.nll) best = { temperature: t, nll }
  }
  return { ...best, nllAtOne: temperedNll(items, bins, 1) }
}

function defaultTemperatureGrid(): number[] {
  const grid: number[] = []
  for (let t = 0.05; t <= 4.0001; t += 0.05) grid.push(Math.round(t * 100) / 100)
  return grid
}

/** The raw score the isotonic map takes: mass within ±5 bpm of the tempered distribution × (1 − no-HR probability). */
export function rawScore(
  item: Pick<LabelledDistribution, 'probs' | 'noHrProb'>,
  bins: HrBins,
  temperature: number,
): { score: number; hrBpm: number } {
  const estimate = decodeHrDistribution(temper(item.probs, temperature), bins)
  return { score: estimate.confidence * (1 - (item.noHrProb ?? 0)), hrBpm: estimate.hrBpm }
}

/**
 * Isotonic regression (pool adjacent violators) of 0/1 outcomes on scores; returns knots for
 * piecewise-linear interpolation: each pooled block contributes (its lowest score, its mean) and
 * (its highest score, its mean). At most `maxKnots` (blocks merged evenly when there are more).
 */
export function fitIsotonic(points: ReadonlyArray<{ score: number; correct: boolean }>, maxKnots = 80): { x: number[]; y: number[] } {
  if (points.length === 0) throw new InvalidArgumentError('fitIsotonic: no points')
  const sorted = [...points].sort((a, b) => a.score - b.score)
  const blocks: Array<{ lo: number; hi: number; sum: number; n: number }> = []
  for (const p of sorted) {
    blocks.push({ lo: p.score, hi: p.score, sum: p.correct ? 1 : 0, n: 1 })
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!
      const prev = blocks[blocks.length - 2]!
      if (prev.sum / prev.n <= last.sum / last.n) break
      blocks.splice(blocks.length - 2, 2, { lo: prev.lo, hi: last.hi, sum: prev.sum + last.sum, n: prev.n + last.n })
    }
  }
  // Too many blocks for a card: merge neighbours (monotonicity is kept by weighted means).
  while (blocks.length * 2 > maxKnots) {
    let merge = 0
    let smallest = Number.POSITIVE_INFINITY
    for (let i = 0; i + 1 < blocks.length; i++) {
      const n = blocks[i]!.n + blocks[i + 1]!.n
      if (n < smallest) {
        smallest = n
        merge = i
      }
    }
    const a = blocks[merge]!
    const b = blocks[merge + 1]!
    blocks.splice(merge, 2, { lo: a.lo, hi: b.hi, sum: a.sum + b.sum, n: a.n + b.n })
  }
  const x: number[] = []
  const y: number[] = []
  for (const block of blocks) {
    const mean = block.sum / block.n
    x.push(block.lo)
    y.push(mean)
    if (block.hi > block.lo) {
      x.push(block.hi)
      y.push(mean)
    }
  }
  return { x, y }
}
