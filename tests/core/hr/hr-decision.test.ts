import { describe, expect, it } from 'vitest'
import {
  applyIsotonic,
  DEFAULT_DISPLAY_CALIBRATION,
  HrDecider,
  hrFromOnsets,
  temper,
  validateCalibration,
  type WindowEvidence,
} from '../../../src/core/hr/hr-decision'
import { HrTracker } from '../../../src/core/hr/hr-tracker'
import { InvalidArgumentError } from '../../../src/core/errors'

const BINS = { minBpm: 30, maxBpm: 240, stepBpm: 1 }
const K = 211

/** A model distribution: a Gaussian of `sigma` bpm around `bpm` holding `mass`, the rest spread evenly. */
function peaked(bpm: number, mass = 0.98, sigma = 1.2): Float32Array {
  const p = new Float32Array(K)
  let sum = 0
  for (let i = 0; i < K; i++) sum += p[i] = Math.exp(-0.5 * ((30 + i - bpm) / sigma) ** 2)
  for (let i = 0; i < K; i++) p[i] = ((p[i] as number) / sum) * mass + (1 - mass) / K
  return p
}

/** S1 onsets of a regular heart at `bpm` inside a 5-s window. */
const onsetsAt = (bpm: number): number[] => Array.from({ length: Math.floor((5 * bpm) / 60) }, (_, k) => 0.2 + (k * 60) / bpm)

function heart(bpm: number, overrides: Partial<WindowEvidence> = {}): WindowEvidence {
  return {
    productionProbs: peaked(bpm),
    noHrProb: 0.01,
    layerBpm: Array(8).fill(bpm),
    s1OnsetsS: onsetsAt(bpm),
    classicalBpm: bpm,
    flags: [],
    ...overrides,
  }
}

describe('HrDecider (the one display decision)', () => {
  it('shows a steady heart with its confidence', () => {
    const decider = new HrDecider(BINS)
    const decisions = [72, 72.4, 71.8, 72.2].map((bpm) => decider.decide(heart(bpm)))
    for (const d of decisions) {
      expect(d.state).toBe('reliable')
      expect(d.code).toBe('shown')
      // The tracker stays within the windows' own spread (71.8–72.4) plus rounding.
      expect(Math.abs((d.hrBpm as number) - 72)).toBeLessThan(0.6)
      expect(d.confidence).toBeGreaterThan(0.9)
    }
  })

  it('one window cannot jump 56 → 111 → 56: the odd window is withheld as "check"', () => {
    const decider = new HrDecider(BINS)
    const shown = [56, 56, 111, 56, 56].map((bpm) => decider.decide(heart(bpm, { s1OnsetsS: onsetsAt(bpm), classicalBpm: bpm })))
    expect(shown.map((d) => d.state)).toEqual(['reliable', 'reliable', 'check', 'reliable', 'reliable'])
    expect(shown[2]?.code).toBe('sudden-change')
    expect(shown[2]?.hrBpm).toBeNull()
    expect(shown[2]?.reason).toMatch(/jumped from 56 to 111/)
    for (const d of [shown[0], shown[1], shown[3], shown[4]]) expect(Math.abs((d?.hrBpm as number) - 56)).toBeLessThan(1)
  })

  it('a lasting change is shown once a second window confirms it', () => {
    const decider = new HrDecider(BINS)
    const decisions = [60, 60, 90, 90, 90].map((bpm) => decider.decide(heart(bpm)))
    expect(decisions.map((d) => d.state)).toEqual(['reliable', 'reliable', 'check', 'reliable', 'reliable'])
    // The confirmed rate replaces the old track at once (no drift through the values between).
    expect(Math.abs((decisions[3]?.hrBpm as number) - 90)).toBeLessThan(1)
  })

  it('estimators that disagree give "check" with both numbers when the model is not sure', () => {
    const decider = new HrDecider(BINS, { ...DEFAULT_DISPLAY_CALIBRATION, crossCheckBelowConfidence: 0.999 })
    const d = decider.decide(heart(120, { productionProbs: peaked(120, 0.9), s1OnsetsS: onsetsAt(60), classicalBpm: 61 }))
    expect(d.state).toBe('check')
    expect(d.code).toBe('disagreement')
    expect(d.reason).toMatch(/model 120, beats 60 bpm/)
    // The classical estimator siding with the model is enough: the beat track alone may miss beats.
    const agreeing = new HrDecider(BINS, { ...DEFAULT_DISPLAY_CALIBRATION, crossCheckBelowConfidence: 0.999 }).decide(
      heart(120, { productionProbs: peaked(120, 0.9), s1OnsetsS: onsetsAt(60), classicalBpm: 120.5 }),
    )
    expect(agreeing.state).toBe('reliable')
  })

  it('the cross-check does not apply above crossCheckBelowConfidence', () => {
    const decider = new HrDecider(BINS, { ...DEFAULT_DISPLAY_CALIBRATION, crossCheckBelowConfidence: 0.5 })
    const d = decider.decide(heart(49, { s1OnsetsS: onsetsAt(98), classicalBpm: 97 }))
    expect(d.state).toBe('reliable')
    expect(Math.abs((d.hrBpm as number) - 49)).toBeLessThan(1)
  })

  it('silence, then a heart: no number, then the heart without a jump guard', () => {
    const decider = new HrDecider(BINS)
    const silence = decider.decide({ ...heart(50), flags: ['silence'] })
    expect(silence).toMatchObject({ hrBpm: null, state: 'no-signal', code: 'no-signal' })
    const noHeart = decider.decide(heart(134, { noHrProb: 0.97 }))
    expect(noHeart).toMatchObject({ hrBpm: null, state: 'no-signal', code: 'no-heart' })
    expect(noHeart.reason).toMatch(/no heart sound/)
    // The first heart window after a gap is shown at once (the old track was dropped).
    const first = decider.decide(heart(88))
    expect(first.state).toBe('reliable')
    expect(Math.abs((first.hrBpm as number) - 88)).toBeLessThan(1)
  })

  it('a flat or low-mass distribution is withheld as low confidence', () => {
    const decider = new HrDecider(BINS, { ...DEFAULT_DISPLAY_CALIBRATION, minConfidence: 0.6 })
    const d = decider.decide(heart(80, { productionProbs: peaked(80, 0.3, 6) }))
    expect(d).toMatchObject({ hrBpm: null, state: 'unreliable', code: 'low-confidence' })
    expect(d.reason).toMatch(/low confidence \(\d+ %\)/)
    expect(d.windowBpm).not.toBeNull()
  })

  it('clipping alone does not withhold a confident number, but names itself when unsure; contact lost says so', () => {
    expect(new HrDecider(BINS).decide(heart(80, { flags: ['clipping'] }))).toMatchObject({ state: 'reliable', code: 'shown' })
    expect(
      new HrDecider(BINS, { ...DEFAULT_DISPLAY_CALIBRATION, minConfidence: 0.6 }).decide(
        heart(80, { flags: ['clipping'], productionProbs: peaked(80, 0.3, 6) }),
      ),
    ).toMatchObject({ hrBpm: null, code: 'low-confidence', reason: 'input too loud (clipping): lower the input gain' })
    expect(new HrDecider(BINS).decide(heart(80, { flags: ['contact-lost'] }))).toMatchObject({
      hrBpm: null,
      state: 'no-signal',
      code: 'contact-lost',
    })
  })

  it('the isotonic calibration maps the raw score to the shown confidence', () => {
    const calibration = { ...DEFAULT_DISPLAY_CALIBRATION, isotonic: { x: [0, 0.5, 0.9, 1], y: [0, 0.2, 0.6, 0.99] }, minConfidence: 0.5 }
    const d = new HrDecider(BINS, calibration).decide(heart(100, { productionProbs: peaked(100, 0.9), noHrProb: 0 }))
    // Raw mass within ±5 bpm ≈ 0.9 + 11/211 × 0.1 ≈ 0.905 → on the 0.9–1 segment ≈ 0.62.
    expect(d.confidence).toBeGreaterThan(0.6)
    expect(d.confidence).toBeLessThan(0.65)
    expect(d.state).toBe('reliable')
  })

  it('too few layers agreeing gives "check" when the check is enabled', () => {
    const decider = new HrDecider(BINS, { ...DEFAULT_DISPLAY_CALIBRATION, minLayerAgreement: 0.5 })
    const d = decider.decide(heart(100, { layerBpm: [100, 50, 50, 50, 50, 50, 200, 200] }))
    expect(d).toMatchObject({ state: 'check', code: 'disagreement' })
  })

  it('without a model the classical estimator decides alone', () => {
    const decider = new HrDecider(null)
    expect(
      decider.decide({ productionProbs: null, noHrProb: null, layerBpm: [], s1OnsetsS: null, classicalBpm: 75, flags: [] }),
    ).toMatchObject({ hrBpm: 75, state: 'reliable' })
    expect(
      decider.decide({ productionProbs: null, noHrProb: null, layerBpm: [], s1OnsetsS: null, classicalBpm: null, flags: ['noise'] }),
    ).toMatchObject({ hrBpm: null, code: 'no-estimate', reason: 'noise or movement' })
  })

  it('rejects a distribution of the wrong length and an invalid calibration', () => {
    expect(() => new HrDecider(BINS).decide(heart(80, { productionProbs: new Float32Array(141).fill(1 / 141) }))).toThrow(
      InvalidArgumentError,
    )
    expect(() => validateCalibration({ ...DEFAULT_DISPLAY_CALIBRATION, isotonic: { x: [0, 1], y: [1, 0] } })).toThrow(/non-decreasing/)
    expect(() => validateCalibration({ ...DEFAULT_DISPLAY_CALIBRATION, temperature: 0 })).toThrow(/temperature/)
  })
})

describe('helpers', () => {
  it('hrFromOnsets follows the protocol rule (≥ 3 onsets)', () => {
    expect(hrFromOnsets([0.1, 1.1])).toBeNull()
    expect(hrFromOnsets([0.1, 1.1, 2.1, 3.1])).toBeCloseTo(60, 9)
  })
  it('applyIsotonic interpolates and clamps', () => {
    const map = { x: [0.2, 0.8], y: [0.1, 0.9] }
    expect(applyIsotonic(map, 0)).toBe(0.1)
    expect(applyIsotonic(map, 0.5)).toBeCloseTo(0.5, 12)
    expect(applyIsotonic(map, 1)).toBe(0.9)
  })
  it('temper sharpens below T = 1 and flattens above', () => {
    const p = [0.5, 0.3, 0.2]
    expect((temper(p, 0.5)[0] as number) > 0.5).toBe(true)
    expect((temper(p, 2)[0] as number) < 0.5).toBe(true)
    expect(temper(p, 1)[1]).toBeCloseTo(0.3, 12)
  })
})

describe('HrTracker', () => {
  it('one outlier window barely moves a confident track; a lasting change is followed', () => {
    const tracker = new HrTracker(BINS, { stepSigmaBpm: 4, jumpProbability: 0.02 })
    for (let i = 0; i < 5; i++) tracker.update(peaked(70, 0.6))
    // A weak outlier (60 % mass) against the 70-bpm track: the track holds.
    expect(Math.abs(tracker.update(peaked(140, 0.6)).hrBpm - 70)).toBeLessThan(1)
    let last = 0
    for (let i = 0; i < 4; i++) last = tracker.update(peaked(140, 0.6)).hrBpm
    expect(Math.abs(last - 140)).toBeLessThan(1)
  })
  it('follows a slow drift without lag beyond a fraction of a bpm per window', () => {
    const tracker = new HrTracker(BINS, { stepSigmaBpm: 4, jumpProbability: 0.02 })
    let estimate = 0
    for (let bpm = 60; bpm <= 80; bpm += 2) estimate = tracker.update(peaked(bpm)).hrBpm
    expect(Math.abs(estimate - 80)).toBeLessThan(0.7)
  })
})
