import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { scoreRecordingOnsets } from '../../../src/core/eval/beat-window-scoring'
import { onsetScores } from '../../../src/core/eval/onset-scoring'
import { coefficientOfVariation, detectBeats } from '../../../src/core/hr/beat-detection'
import { envelopeAutocorrelation } from '../../../src/core/hr/classical-hr'
import { readWavMono } from '../../../src/main/io/wav-file'

const SAMPLES = join(__dirname, '..', '..', '..', 'samples')

function scoreSample(id: string): { s1: ReturnType<typeof onsetScores>; s2: ReturnType<typeof onsetScores>; windows: number } {
  const { samples, sampleRateHz } = readWavMono(join(SAMPLES, `${id}.wav`))
  const rows = parseSegmentationTsv(readFileSync(join(SAMPLES, `${id}.tsv`)), `${id}.tsv`).rows
  const counts = scoreRecordingOnsets(samples, sampleRateHz, rows, detectBeats)
  return { s1: onsetScores(counts.s1), s2: onsetScores(counts.s2), windows: counts.windows }
}

/** A heart-sound-like burst: 60 Hz (S1) or 90 Hz (S2) under a Hann envelope. */
function synthHeart(s1TimesS: number[], systoleS: number, seconds: number, rateHz = 4000): Float32Array {
  const x = new Float32Array(seconds * rateHz)
  const add = (startS: number, hz: number, durS: number, amp: number): void => {
    const a = Math.round(startS * rateHz)
    const n = Math.round(durS * rateHz)
    for (let k = 0; k < n && a + k < x.length; k++)
      x[a + k] = x[a + k]! + amp * Math.sin((2 * Math.PI * hz * k) / rateHz) * (0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n))
  }
  for (const t of s1TimesS) {
    add(t, 60, 0.12, 1)
    add(t + systoleS, 90, 0.09, 0.6)
  }
  let seed = 7
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    x[i] = x[i]! + 0.01 * (seed / 2 ** 31 - 0.5)
  }
  return x
}

describe('detectBeats on samples/ against their .tsv (±50 ms, protocol windows)', () => {
  // Measured: 50238_MV S1 F1 0.935 (S2 1.000), 74420_MV 0.967 (0.958), 84740_PV 0.859 (0.980),
  // 68303_AV 1.000 (1.000; 131 bpm, systole ≈ diastole: S1/S2 told apart by pitch).
  // The bound 0.8 sits below the noisiest of these (84740_PV, ~2x out-of-band noise) with
  // room for a few windows' change, and far above what a detector that had S1 and S2 swapped
  // (F1 ≈ 0) or ran at double rate (precision ≈ 0.5, F1 ≈ 0.65) would score.
  for (const id of ['50238_MV', '74420_MV', '84740_PV', '68303_AV']) {
    it(`${id}: S1 and S2 F1 ≥ 0.8`, () => {
      const { s1, s2, windows } = scoreSample(id)
      expect(windows).toBeGreaterThan(0)
      expect(s1.f1).toBeGreaterThanOrEqual(0.8)
      expect(s2.f1).toBeGreaterThanOrEqual(0.8)
    })
  }
  // Known failure, kept visible: 84749_TV (48 bpm, S1 and S2 equally loud and equally spaced:
  // the autocorrelation repeats every half beat, as for the classical HR) finds every sound but
  // calls them all S1 (S1 precision 0.50, recall 0.97, F1 0.66; S2 F1 0). Not asserted.
})

describe('detectBeats on synthetic hearts', () => {
  it('a regular 75-bpm heart: every S1 and S2 found within 50 ms, not irregular', () => {
    const s1Times = Array.from({ length: 7 }, (_, k) => 0.2 + 0.8 * k)
    const beats = detectBeats(synthHeart(s1Times, 0.3, 6), 4000)
    const found = s1Times.filter((t) => beats.s1OnsetsS.some((d) => Math.abs(d - t) <= 0.05))
    // All 7 beats are whole inside the 6 s.
    expect(found.length).toBe(7)
    expect(beats.s2OnsetsS.filter((d) => s1Times.some((t) => Math.abs(d - (t + 0.3)) <= 0.05)).length).toBe(7)
    // Exact 0.8-s spacing: the CV is only onset-estimation jitter (well under 0.1).
    expect(beats.irregularity).toBeLessThan(0.03)
    expect(beats.irregular).toBe(false)
    expect(beats.beatPeriodS).toBeCloseTo(0.8, 1)
  })

  it('an irregularly irregular rhythm (intervals 0.6–1.0 s in random order, CV ≈ 0.17) is flagged', () => {
    // Shuffled, not alternating: a strictly alternating rhythm repeats every two beats and the
    // autocorrelation would take the pair for one beat.
    const intervalsS = [0.62, 0.97, 0.71, 0.88, 1.0, 0.6, 0.79, 0.93]
    const s1Times = [0.15]
    for (const d of intervalsS) s1Times.push(s1Times[s1Times.length - 1]! + d)
    const beats = detectBeats(synthHeart(s1Times, 0.25, 7), 4000)
    // The flag's threshold is a CV of 0.1; these intervals' CV is 0.17.
    expect(beats.irregularity).toBeGreaterThan(0.1)
    expect(beats.irregular).toBe(true)
  })

  it("given the classical estimator's envelope ACF, gives exactly what it computes itself", () => {
    const { samples, sampleRateHz } = readWavMono(join(SAMPLES, '68303_AV.wav'))
    let withBeats = 0
    for (let start = 0; start + 5 * sampleRateHz <= samples.length; start += sampleRateHz) {
      const window = samples.subarray(start, start + 5 * sampleRateHz)
      const own = detectBeats(window, sampleRateHz)
      expect(detectBeats(window, sampleRateHz, undefined, envelopeAutocorrelation(window, sampleRateHz, 60 / 30))).toEqual(own)
      if (own.s1OnsetsS.length > 0) withBeats++
    }
    // The comparison covers windows with beats found, not only empty results.
    expect(withBeats).toBeGreaterThan(5)
  })

  it('coefficientOfVariation: NaN below three intervals, exact on known values', () => {
    expect(coefficientOfVariation([1, 1])).toBeNaN()
    expect(coefficientOfVariation([0.5, 1.5, 1])).toBeCloseTo(Math.sqrt(1 / 6), 12)
  })
})
