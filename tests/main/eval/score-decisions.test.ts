/** scoreDecisions (src/main/eval/stream-collect.ts): the robustness table's figures, worked out by hand on a few windows. */
import { describe, expect, it } from 'vitest'
import { scoreDecisions, type WindowTruth } from '../../../src/main/eval/stream-collect'

const window = (truth: WindowTruth, shown: number | null, production: number | null) => ({
  truth,
  decision: { hrBpm: shown },
  production: production === null ? null : { hrBpm: production, confidence: 0.9 },
})

describe('scoreDecisions', () => {
  it('counts shown numbers, their errors and the no-heart windows that showed one', () => {
    const scores = scoreDecisions([
      window({ kind: 'hr', bpm: 80 }, 82, 81), // shown, off 2
      window({ kind: 'hr', bpm: 100 }, 107, 100), // shown, off 7 (> 5)
      window({ kind: 'hr', bpm: 60 }, 72, null), // shown, off 12 (> 5 and > 10)
      window({ kind: 'hr', bpm: 90 }, null, 93), // declined
      window({ kind: 'no-heart' }, null, 70),
      window({ kind: 'no-heart' }, 75, 75), // a number without a heart
      window({ kind: 'unknown' }, 120, 120), // not scored
    ])
    expect(scores).toEqual({
      labelledWindows: 4,
      answered: 3,
      answeredShare: 0.75,
      maeBpm: (2 + 7 + 12) / 3,
      off5: 2,
      off10: 1,
      productionMaeBpm: (1 + 0 + 3) / 3,
      noHeartWindows: 2,
      noHeartShown: 1,
      noHeartShownShare: 0.5,
    })
  })

  it('has no figure (NaN) where nothing was there to score', () => {
    const scores = scoreDecisions([window({ kind: 'hr', bpm: 80 }, null, null)])
    expect(scores.maeBpm).toBeNaN()
    expect(scores.productionMaeBpm).toBeNaN()
    expect(scores.noHeartShownShare).toBeNaN()
    expect(scores.answeredShare).toBe(0)
  })
})
