import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labelledWindows, protocolWindows } from '../../../src/core/circor/protocol-windows'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { envelopeAutocorrelation, estimateHrClassical, hrFromEnvelopeAutocorrelation } from '../../../src/core/hr/classical-hr'
import { InvalidArgumentError } from '../../../src/core/errors'
import { hrMetrics } from '../../../src/core/metrics/hr-metrics'
import { decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'

const SAMPLES = join(__dirname, '../../../samples')

function sampleEstimates(recording: string) {
  const audio = decodeWav(new Uint8Array(readFileSync(join(SAMPLES, `${recording}.wav`))), `${recording}.wav`)
  const samples = downmixToMono(audio)
  const rows = parseSegmentationTsv(readFileSync(join(SAMPLES, `${recording}.tsv`)), `${recording}.tsv`).rows
  return labelledWindows(protocolWindows(rows, audio.frames / audio.sampleRateHz)).map((w) => {
    const start = Math.round(w.startS * audio.sampleRateHz)
    const estimate = estimateHrClassical(samples.subarray(start, start + 5 * audio.sampleRateHz), audio.sampleRateHz)
    return { referenceBpm: w.hrBpm, estimatedBpm: estimate.hrBpm, quality: estimate.quality }
  })
}

describe('estimateHrClassical on the samples/ recordings vs their reference labels', () => {
  // Bounds: the estimator's measured MAE on that recording (in brackets) plus a margin, and
  // always below the 5-bpm agreement of docs/hr-protocol.md where the recording is a "clean" case: a
  // regression to a half/double-rate error on even one window (≈ 50–130 bpm off) breaks them.
  // [name, MAE bound, windows allowed to be declined, why chosen]
  const cases: [string, number, number, string][] = [
    // [0.35] child, 131 bpm, clean aortic recording: 2 bpm allows rounding changes only.
    ['68303_AV', 2, 0, 'high HR child with murmur'],
    // [0.63] infant whose HR drifts 127 → 116 bpm: 2 bpm as above.
    ['74420_MV', 2, 0, 'infant'],
    // [1.38] adolescent, 70 bpm, systolic + diastolic murmurs smear the envelope: 3 bpm.
    ['50238_MV', 3, 0, 'murmurs'],
    // [1.03 over 7 of 9 windows] noisy child recording: 2 windows fall below the quality
    // threshold (one of them would be 6 bpm off), so 2 declines are allowed, and 3 bpm.
    ['84740_PV', 3, 2, 'noisy'],
  ]
  for (const [recording, maxMaeBpm, maxDeclined, why] of cases) {
    it(`${recording} (${why}): MAE below ${maxMaeBpm} bpm, at most ${maxDeclined} windows declined`, () => {
      const pairs = sampleEstimates(recording)
      const metrics = hrMetrics(pairs)
      expect(metrics.declinedCount).toBeLessThanOrEqual(maxDeclined)
      expect(metrics.maeBpm).toBeLessThan(maxMaeBpm)
    })
  }

  it('84749_TV (49 bpm, S1→S2 and S2→S1 both ≈ 0.61 s): a harmonic error at worst, never noise', () => {
    // Known limit: S1 and S2 are equally loud and equally spaced, so the envelope really repeats
    // every half beat and autocorrelation alone cannot tell; the estimator reports ≈ 2× HR
    // (measured 98–99 bpm for 48–50). The bound: each estimate within 5 bpm of the reference
    // or of twice it, i.e. the error is the documented double-rate one and nothing worse.
    for (const { referenceBpm, estimatedBpm } of sampleEstimates('84749_TV')) {
      expect(estimatedBpm).not.toBeNull()
      const off = Math.min(Math.abs(estimatedBpm! - referenceBpm), Math.abs(estimatedBpm! - 2 * referenceBpm))
      expect(off).toBeLessThan(5)
    }
  })
})

describe('estimateHrClassical on synthetic input', () => {
  it('finds the rate of a click train with S1/S2 pairs, and the quality tracks periodicity', () => {
    // 75 bpm: S1 bursts (50 Hz, 60 ms) every 0.8 s, S2 (80 Hz, 40 ms) 0.3 s after each S1.
    const rateHz = 4000
    const x = new Float32Array(5 * rateHz)
    const burst = (atS: number, freqHz: number, lengthS: number, amplitude: number): void => {
      for (let i = 0; i < lengthS * rateHz; i++) {
        const n = Math.round(atS * rateHz) + i
        if (n < x.length) x[n]! += amplitude * Math.sin((2 * Math.PI * freqHz * i) / rateHz) * Math.sin((Math.PI * i) / (lengthS * rateHz))
      }
    }
    for (let t = 0.1; t < 5; t += 0.8) {
      burst(t, 50, 0.06, 0.8)
      burst(t + 0.3, 80, 0.04, 0.5)
    }
    const result = estimateHrClassical(x, rateHz)
    // Parabolic interpolation on a 50 Hz envelope: 0.5 bpm covers its residual bias at 0.8 s lags.
    expect(result.hrBpm).toBeCloseTo(75, 0)
    // A noiseless periodic train correlates almost perfectly with itself one beat later.
    expect(result.quality).toBeGreaterThan(0.8)
  })

  it('declines on noise and on silence', () => {
    // Deterministic white and red (rumble) noise, 40 windows each: no periodicity, so every
    // window must come back null. Measured over 200 windows the quality of white noise peaks at
    // 0.32 and of red noise at 0.21, below the 0.35 reporting threshold.
    let seed = 12345
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
    for (let t = 0; t < 40; t++) {
      const white = Float32Array.from({ length: 20000 }, random)
      let v = 0
      const red = Float32Array.from({ length: 20000 }, () => (v = 0.99 * v + random()))
      expect(estimateHrClassical(white, 4000).hrBpm).toBeNull()
      expect(estimateHrClassical(red, 4000).hrBpm).toBeNull()
    }
    expect(estimateHrClassical(new Float32Array(20000), 4000)).toEqual({ hrBpm: null, quality: 0 })
  })

  it('hrFromEnvelopeAutocorrelation on a precomputed ACF gives exactly estimateHrClassical', () => {
    const audio = decodeWav(new Uint8Array(readFileSync(join(SAMPLES, '50238_MV.wav'))), '50238_MV.wav')
    const samples = downmixToMono(audio)
    for (let start = 0; start + 20000 <= samples.length; start += 4000) {
      const window = samples.subarray(start, start + 20000)
      for (const options of [{}, { minBpm: 50, maxBpm: 200 }]) {
        const acf = envelopeAutocorrelation(window, 4000, 60 / (options.minBpm ?? 30))
        expect(hrFromEnvelopeAutocorrelation(acf, window.length, 4000, options)).toEqual(estimateHrClassical(window, 4000, options))
      }
    }
  })

  it('rejects bad options naming the value', () => {
    const x = new Float32Array(20000)
    expect(() => estimateHrClassical(x, 0)).toThrow(InvalidArgumentError)
    expect(() => estimateHrClassical(x, 4000, { minBpm: 100, maxBpm: 90 })).toThrow(
      /maxBpm must be finite and above minBpm \(100\), got 90/,
    )
  })
})
