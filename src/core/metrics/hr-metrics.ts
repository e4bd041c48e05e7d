/**
 * Per-window heart-rate metrics of docs/hr-protocol.md step 6: MAE (headline), median absolute error,
 * share within 5 bpm, RMSE and window count. Pure: callers group by location, age or murmur.
 */
import { InvalidArgumentError } from '../errors'

export interface HrPair {
  readonly referenceBpm: number
  /** null = the estimator declined (no reliable HR); such pairs are counted apart, not scored. */
  readonly estimatedBpm: number | null
}

export interface HrMetrics {
  /** Pairs scored (both HRs present). */
  readonly count: number
  /** Pairs whose estimate was null: reported so that declining never looks like accuracy. */
  readonly declinedCount: number
  /** NaN when count is 0 (no defined value; NaN propagates instead of passing for perfect). */
  readonly maeBpm: number
  /** NaN when count is 0. For an even count, the mean of the two middle errors. */
  readonly medianAbsErrorBpm: number
  /** Share in [0, 1] of scored pairs with |error| ≤ 5 bpm; NaN when count is 0. */
  readonly within5BpmShare: number
  /** NaN when count is 0. */
  readonly rmseBpm: number
}

/** The agreement bound of the "within 5 bpm" share (docs/hr-protocol.md). */
export const WITHIN_BPM = 5

/** Metrics over the pairs that have an estimate; throws on non-finite HRs (a caller bug). */
export function hrMetrics(pairs: Iterable<HrPair>): HrMetrics {
  const errors: number[] = []
  let declinedCount = 0
  let index = 0
  for (const pair of pairs) {
    if (!Number.isFinite(pair.referenceBpm))
      throw new InvalidArgumentError(`hrMetrics: pair ${index}: referenceBpm ${pair.referenceBpm} is not finite`)
    if (pair.estimatedBpm === null) declinedCount++
    else if (!Number.isFinite(pair.estimatedBpm))
      throw new InvalidArgumentError(`hrMetrics: pair ${index}: estimatedBpm ${pair.estimatedBpm} is not finite`)
    else errors.push(Math.abs(pair.estimatedBpm - pair.referenceBpm))
    index++
  }
  const count = errors.length
  if (count === 0)
    return { count, declinedCount, maeBpm: Number.NaN, medianAbsErrorBpm: Number.NaN, within5BpmShare: Number.NaN, rmseBpm: Number.NaN }
  let sum = 0
  let sumSquares = 0
  let within = 0
  for (const error of errors) {
    sum += error
    sumSquares += error * error
    // The tiny tolerance keeps an error of exactly 5 bpm (e.g. 105 − 100 in floats) inside.
    if (error <= WITHIN_BPM + 1e-9) within++
  }
  const sorted = errors.sort((a, b) => a - b)
  const middle = count >> 1
  const median = count % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
  return {
    count,
    declinedCount,
    maeBpm: sum / count,
    medianAbsErrorBpm: median,
    within5BpmShare: within / count,
    rmseBpm: Math.sqrt(sumSquares / count),
  }
}
