import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { auroc } from '../../../src/core/metrics/auroc'

describe('auroc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for all ties', () => {
    expect(auroc([3, 4], [1, 2])).toBe(1)
    expect(auroc([1, 2], [3, 4])).toBe(0)
    expect(auroc([1, 1], [1, 1, 1])).toBe(0.5)
  })

  it('counts pairs: 5 of 6 positive-negative pairs ordered, one tie counted half', () => {
    // pairs (p, n): (0.9, 0.1) (0.9, 0.5) (0.9, 0.5) (0.5, 0.1) (0.5, 0.5 tie) (0.5, 0.5 tie) → (4 + 2 × 0.5) / 6
    expect(auroc([0.9, 0.5], [0.1, 0.5, 0.5])).toBeCloseTo(5 / 6, 12)
  })

  it('refuses empty classes and non-finite scores', () => {
    expect(() => auroc([], [1])).toThrow(InvalidArgumentError)
    expect(() => auroc([Number.NaN], [1])).toThrow(InvalidArgumentError)
  })
})
