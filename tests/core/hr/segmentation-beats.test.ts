import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { beatsFromSegmentation, viterbiStates } from '../../../src/core/hr/segmentation-beats'

const FRAME_S = 0.02
const FRAMES = 251

/** Posteriors that put `p` on the true class of each frame and spread the rest evenly. */
function posteriors(classOf: (timeS: number) => number, p = 0.85): Float32Array {
  const out = new Float32Array(FRAMES * 4)
  for (let t = 0; t < FRAMES; t++) {
    const c = classOf(t * FRAME_S)
    for (let k = 0; k < 4; k++) out[t * 4 + k] = k === c ? p : (1 - p) / 3
  }
  return out
}

/** A regular cycle: S1 100 ms, systole 200 ms, S2 100 ms, diastole the rest of `periodS`, first S1 at `firstS1S`. */
function cycle(periodS: number, firstS1S: number): (timeS: number) => number {
  return (timeS) => {
    const phase = (((timeS - firstS1S) % periodS) + periodS) % periodS
    return phase < 0.1 ? 0 : phase < 0.3 ? 1 : phase < 0.4 ? 2 : 3
  }
}

describe('beatsFromSegmentation', () => {
  it('puts S1 and S2 onsets where the states begin, within half a frame', () => {
    // S1 at 0.31 + k·0.8 s; a frame sees a state from the first frame time at or after its onset,
    // so the reported onset (half a frame before that frame) is within ±10 ms of the truth.
    const beats = beatsFromSegmentation(posteriors(cycle(0.8, 0.31)), FRAMES, FRAME_S)
    const trueS1 = [0.31, 1.11, 1.91, 2.71, 3.51, 4.31]
    const trueS2 = trueS1.map((t) => t + 0.3)
    expect(beats.s1OnsetsS).toHaveLength(trueS1.length)
    beats.s1OnsetsS.forEach((t, i) => expect(Math.abs(t - trueS1[i]!)).toBeLessThanOrEqual(FRAME_S / 2 + 1e-9))
    expect(beats.s2OnsetsS).toHaveLength(trueS2.length)
    beats.s2OnsetsS.forEach((t, i) => expect(Math.abs(t - trueS2[i]!)).toBeLessThanOrEqual(FRAME_S / 2 + 1e-9))
    beats.intervalsS.forEach((d) => expect(Math.abs(d - 0.8)).toBeLessThanOrEqual(FRAME_S + 1e-9))
    expect(beats.irregular).toBe(false)
    expect(beats.pathConfidence).toBeCloseTo(0.85, 5)
    expect(beats.beatPeriodS).toBeCloseTo(0.8, 1)
  })

  it('does not report a sound already under way at the first frame', () => {
    const beats = beatsFromSegmentation(posteriors(cycle(0.8, -0.05)), FRAMES, FRAME_S)
    expect(beats.s1OnsetsS[0]).toBeGreaterThan(0.7)
  })

  it('ignores a one-frame S1 flicker in diastole (minimum stay and cycle order)', () => {
    const probs = posteriors(cycle(1, 0.2))
    // Frame 40 (0.8 s) lies in diastole; make it look like S1 for that frame alone.
    probs.set([0.9, 0.03, 0.03, 0.04], 40 * 4)
    const beats = beatsFromSegmentation(probs, FRAMES, FRAME_S)
    expect(beats.s1OnsetsS.some((t) => Math.abs(t - 0.8) < 0.05)).toBe(false)
    expect(beats.s1OnsetsS).toHaveLength(5)
  })

  it('flags alternating long and short beats as irregular', () => {
    // Beats 0.6 s and 1.0 s apart in turn: CV 0.25, far above the 0.1 flag.
    const s1 = [0.1, 0.7, 1.7, 2.3, 3.3, 3.9]
    const classOf = (timeS: number): number => {
      const last = [...s1].reverse().find((t) => t <= timeS)
      if (last === undefined) return 3
      const phase = timeS - last
      return phase < 0.1 ? 0 : phase < 0.3 ? 1 : phase < 0.4 ? 2 : 3
    }
    const beats = beatsFromSegmentation(posteriors(classOf), FRAMES, FRAME_S)
    expect(beats.s1OnsetsS).toHaveLength(s1.length)
    expect(beats.irregularity).toBeGreaterThan(0.2)
    expect(beats.irregular).toBe(true)
  })

  it('reports no beats when the head is unsure everywhere (noise)', () => {
    const flat = new Float32Array(FRAMES * 4).fill(0.25)
    const beats = beatsFromSegmentation(flat, FRAMES, FRAME_S)
    expect(beats.pathConfidence).toBeCloseTo(0.25, 5)
    expect(beats.s1OnsetsS).toEqual([])
    expect(beats.s2OnsetsS).toEqual([])
    expect(beats.irregular).toBe(false)
  })

  it('returns no beats for non-finite posteriors and rejects a wrong shape with a typed error', () => {
    const probs = posteriors(cycle(0.8, 0.3))
    probs[17] = Number.NaN
    expect(beatsFromSegmentation(probs, FRAMES, FRAME_S).s1OnsetsS).toEqual([])
    expect(() => beatsFromSegmentation(new Float32Array(10), FRAMES, FRAME_S)).toThrow(InvalidArgumentError)
    expect(() => beatsFromSegmentation(new Float32Array(FRAMES * 4), FRAMES, 0)).toThrow(/frameSeconds/)
    expect(() => beatsFromSegmentation(new Float32Array(4), 1, FRAME_S)).toThrow(/frames/)
  })

  it('the Viterbi path goes round the cycle in order', () => {
    const states = viterbiStates(posteriors(cycle(0.7, 0.2), 0.6), FRAMES)
    for (let t = 1; t < FRAMES; t++) {
      const a = states[t - 1]!
      const b = states[t]!
      expect(b === a || b === (a + 1) % 4, `frame ${t}: ${a} → ${b}`).toBe(true)
    }
  })
})
