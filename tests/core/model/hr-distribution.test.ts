import { describe, expect, it } from 'vitest'
import { decodeHrDistribution, hrBinCount } from '../../../src/core/model/hr-distribution'
import { InvalidArgumentError } from '../../../src/core/errors'

const bins = { minBpm: 30, maxBpm: 240, stepBpm: 1 }

function distribution(entries: Record<number, number>): Float32Array {
  const probs = new Float32Array(hrBinCount(bins))
  for (const [bpm, p] of Object.entries(entries)) probs[Number(bpm) - 30] = p
  return probs
}

describe('decodeHrDistribution', () => {
  it('has 211 bins for 30–240 bpm', () => {
    expect(hrBinCount(bins)).toBe(211)
  })

  it('takes the local expectation around the arg-max and the mass within ±5 bpm as confidence', () => {
    // By hand: bins 80 (0.2), 81 (0.5), 82 (0.2) → HR = (16 + 40.5 + 16.4) / 0.9 = 81.0; the 0.1 at
    // 160 bpm (a double-rate alternative) lies outside ±5 bins and only lowers the confidence.
    const estimate = decodeHrDistribution(distribution({ 80: 0.2, 81: 0.5, 82: 0.2, 160: 0.1 }), bins)
    expect(estimate.hrBpm).toBeCloseTo(81, 6)
    expect(estimate.confidence).toBeCloseTo(0.9, 6)
  })

  it('handles a peak at the edge of the range', () => {
    const estimate = decodeHrDistribution(distribution({ 30: 0.6, 31: 0.4 }), bins)
    expect(estimate.hrBpm).toBeCloseTo(30.4, 6)
  })

  it('rejects a distribution of the wrong size or without mass', () => {
    expect(() => decodeHrDistribution(new Float32Array(10), bins)).toThrow(InvalidArgumentError)
    expect(() => decodeHrDistribution(new Float32Array(211), bins)).toThrow(/not a probability distribution/)
  })
})
