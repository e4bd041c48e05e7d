import { describe, expect, it } from 'vitest'
import { hrMetrics } from '../../../src/core/metrics/hr-metrics'
import { InvalidArgumentError } from '../../../src/core/errors'

describe('hrMetrics', () => {
  it('computes the metrics of a hand-worked example', () => {
    // errors: |62−60| = 2, |100−110| = 10, |75−75| = 0, |128−120| = 8, |95−90| = 5
    // MAE = 25 / 5 = 5; sorted 0, 2, 5, 8, 10 → median 5; within 5: 0, 2, 5 → 3/5 = 0.6;
    // RMSE = sqrt((4 + 100 + 0 + 64 + 25) / 5) = sqrt(38.6)
    const m = hrMetrics([
      { referenceBpm: 60, estimatedBpm: 62 },
      { referenceBpm: 110, estimatedBpm: 100 },
      { referenceBpm: 75, estimatedBpm: 75 },
      { referenceBpm: 120, estimatedBpm: 128 },
      { referenceBpm: 90, estimatedBpm: 95 },
    ])
    expect(m).toEqual({ count: 5, declinedCount: 0, maeBpm: 5, medianAbsErrorBpm: 5, within5BpmShare: 0.6, rmseBpm: Math.sqrt(38.6) })
  })

  it('takes the mean of the two middle errors for an even count and skips declined pairs', () => {
    // errors 1, 3, 4, 20 → median (3 + 4) / 2 = 3.5, MAE 28 / 4 = 7, within 5: 3/4; RMSE sqrt(426/4)
    const m = hrMetrics([
      { referenceBpm: 80, estimatedBpm: 81 },
      { referenceBpm: 80, estimatedBpm: 77 },
      { referenceBpm: 80, estimatedBpm: null },
      { referenceBpm: 80, estimatedBpm: 84 },
      { referenceBpm: 80, estimatedBpm: 160 - 60 },
    ])
    expect(m.count).toBe(4)
    expect(m.declinedCount).toBe(1)
    expect(m.medianAbsErrorBpm).toBe(3.5)
    expect(m.maeBpm).toBe(7)
    expect(m.within5BpmShare).toBe(0.75)
    expect(m.rmseBpm).toBeCloseTo(Math.sqrt(426 / 4), 12)
  })

  it('returns count 0 and NaN metrics for no scored pairs', () => {
    for (const pairs of [[], [{ referenceBpm: 90, estimatedBpm: null }]]) {
      const m = hrMetrics(pairs)
      expect(m.count).toBe(0)
      expect(m.maeBpm).toBeNaN()
      expect(m.medianAbsErrorBpm).toBeNaN()
      expect(m.within5BpmShare).toBeNaN()
      expect(m.rmseBpm).toBeNaN()
    }
  })

  it('rejects non-finite HRs naming the pair', () => {
    expect(() =>
      hrMetrics([
        { referenceBpm: 80, estimatedBpm: 80 },
        { referenceBpm: Number.NaN, estimatedBpm: 80 },
      ]),
    ).toThrow(/pair 1: referenceBpm NaN/)
    expect(() => hrMetrics([{ referenceBpm: 80, estimatedBpm: Infinity }])).toThrow(InvalidArgumentError)
  })
})
