import { describe, expect, it } from 'vitest'
import { matchOnsets, onsetScores } from '../../../src/core/eval/onset-scoring'

describe('matchOnsets', () => {
  it('counts a detection within ±50 ms (inclusive) and not one at 51 ms', () => {
    expect(matchOnsets([1.05], [1.0]).truePositives).toBe(1)
    expect(matchOnsets([0.95], [1.0]).truePositives).toBe(1)
    expect(matchOnsets([1.051], [1.0])).toEqual({ truePositives: 0, falsePositives: 1, falseNegatives: 1 })
  })

  it('is one-to-one: two detections near one reference give one hit and one false positive', () => {
    expect(matchOnsets([0.99, 1.01], [1.0])).toEqual({ truePositives: 1, falsePositives: 1, falseNegatives: 0 })
    expect(matchOnsets([1.0], [0.98, 1.02])).toEqual({ truePositives: 1, falsePositives: 0, falseNegatives: 1 })
  })

  it('finds the maximum matching where a nearest-first choice would lose one', () => {
    // Detection 1.04 is nearest to reference 1.06 but is the only one in reach of 1.0; the
    // optimal matching pairs (1.0, 1.04) and (1.06, 1.10).
    expect(matchOnsets([1.04, 1.1], [1.0, 1.06]).truePositives).toBe(2)
  })

  it('unsorted input is fine', () => {
    expect(matchOnsets([3, 1, 2], [2.01, 0.99, 3.02]).truePositives).toBe(3)
  })
})

describe('onsetScores', () => {
  it('precision, recall and F1 from the counts', () => {
    const s = onsetScores({ truePositives: 8, falsePositives: 2, falseNegatives: 8 })
    expect(s.precision).toBeCloseTo(0.8, 12)
    expect(s.recall).toBeCloseTo(0.5, 12)
    expect(s.f1).toBeCloseTo((2 * 0.8 * 0.5) / 1.3, 12)
  })
  it('no detections and no references: NaN, not a perfect score', () => {
    expect(onsetScores({ truePositives: 0, falsePositives: 0, falseNegatives: 0 }).f1).toBeNaN()
    expect(onsetScores({ truePositives: 0, falsePositives: 3, falseNegatives: 0 }).f1).toBe(0)
  })
})
