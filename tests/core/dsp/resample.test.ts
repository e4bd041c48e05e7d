import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { StreamingResampler, decimationFactor, decimatorCoefficients, resample } from '../../../src/core/dsp/resample'
import { tone } from '../../helpers/signals'

function rms(x: Float32Array, from: number, to: number): number {
  let sum = 0
  for (let i = from; i < to; i++) sum += x[i]! ** 2
  return Math.sqrt(sum / (to - from))
}
function maxError(x: Float32Array, reference: Float32Array, from: number, to: number): number {
  let worst = 0
  for (let i = from; i < to; i++) worst = Math.max(worst, Math.abs(x[i]! - reference[i]!))
  return worst
}
/** Index of the first sample where a and b differ (bitwise), −1 when identical. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i
  return -1
}
/** The middle half, away from the ends where the implicit zeros outside the signal leak in. */
const middle = (x: Float32Array): [number, number] => [Math.floor(x.length / 4), Math.floor((3 * x.length) / 4)]

const RATE_PAIRS: [number, number][] = [
  [44100, 4000],
  [48000, 4000],
  [16000, 4000],
  [8000, 4000],
  [4000, 48000],
  [2000, 4000],
  [4000, 44100],
]

describe('resample: passband', () => {
  for (const [from, to] of RATE_PAIRS) {
    // 0.3 × the lower rate = 0.6 × its Nyquist: well inside the 0.8 × Nyquist passband.
    const freqHz = Math.round(0.3 * Math.min(from, to))
    it(`${from} → ${to} Hz keeps a ${freqHz} Hz tone's amplitude (≤ 0.1 dB), frequency and timing`, () => {
      const y = resample(tone(freqHz, 1, from, 1, 0.3), from, to)
      expect(y.length).toBe(Math.ceil((from * to) / from)) // ⌈n·to/from⌉ for a 1-s input
      const ideal = tone(freqHz, 1, to, 1, 0.3)
      const [a, b] = middle(y)
      const gainDb = 20 * Math.log10(rms(y, a, b) / rms(ideal, a, b))
      expect(Math.abs(gainDb)).toBeLessThan(0.1)
      // Sample by sample against the ideal tone at the new rate: same frequency, zero delay.
      // 1e-3 of full scale is ~10× the design's passband ripple (1e-4 at 80 dB).
      expect(maxError(y, ideal, a, b)).toBeLessThan(1e-3)
    })
  }
})

describe('resample: anti-aliasing', () => {
  const cases: [number, number, number][] = [
    [48000, 4000, 3000], // the example: would alias to 1 kHz
    [44100, 4000, 2500],
    [16000, 4000, 2100], // just above the new Nyquist
    [8000, 4000, 3900],
  ]
  for (const [from, to, freqHz] of cases) {
    it(`${from} → ${to} Hz suppresses a ${freqHz} Hz tone by ≥ 60 dB (RMS ratio)`, () => {
      const x = tone(freqHz, 1, from)
      const y = resample(x, from, to)
      const [a, b] = middle(y)
      const [xa, xb] = middle(x)
      const suppressionDb = 20 * Math.log10(rms(x, xa, xb) / rms(y, a, b))
      expect(suppressionDb).toBeGreaterThanOrEqual(60)
    })
  }
})

describe('resample: two-stage path for large down-ratios', () => {
  it('decimates first by the largest divisor k of the input rate that keeps input/k ≥ 2.5 × output', () => {
    const cases: [number, number, number][] = [
      [48000, 4000, 4], // 12 kHz; k = 5 would give 9.6 kHz < 10 kHz
      [44100, 4000, 4], // 11.025 kHz
      [96000, 4000, 8], // k = 9 does not divide 96000
      [22050, 4000, 2],
      [16000, 4000, 1], // 8 kHz would be < 10 kHz: single stage
      [8000, 4000, 1],
      [4000, 48000, 1],
      [4000, 4000, 1],
    ]
    for (const [from, to, k] of cases) {
      expect(decimationFactor(from, to), `${from} → ${to}`).toBe(k)
      expect(new StreamingResampler(from, to).decimationFactor).toBe(k)
      expect(decimatorCoefficients(from, to)?.factor ?? 1).toBe(k)
    }
  })

  /** |H(f)| of the symmetric first-stage FIR (zero-phase: a real cosine sum). */
  function firstStageGain(halfTaps: Float64Array, freqHz: number, rateHz: number): number {
    let h = halfTaps[0]!
    for (let i = 1; i < halfTaps.length; i++) h += 2 * halfTaps[i]! * Math.cos((2 * Math.PI * freqHz * i) / rateHz)
    return Math.abs(h)
  }

  for (const [from, to] of [
    [48000, 4000],
    [44100, 4000],
    [22050, 4000],
    [32000, 4000],
    [96000, 4000],
    [192000, 4000],
    [44100, 2000],
  ] as [number, number][]) {
    it(
      `${from} → ${to}: the first-stage FIR is flat to < 0.01 dB below 0.9 × the final Nyquist and ≥ 80 dB down wherever a ` +
        `tone would fold into the final band`,
      () => {
        const { factor, halfTaps } = decimatorCoefficients(from, to)!
        const passEdgeHz = 0.9 * (to / 2)
        const stopEdgeHz = from / factor - to / 2 // folds to the final Nyquist after decimating by k
        // A 10 000-point grid: spacing ≤ 10 Hz against side lobes ≥ ~700 Hz wide (rate / length), so no peak is missed.
        let worstPassDb = 0
        let worstStopDb = -Infinity
        for (let i = 0; i <= 10_000; i++) {
          const passHz = (passEdgeHz * i) / 10_000
          worstPassDb = Math.max(worstPassDb, Math.abs(20 * Math.log10(firstStageGain(halfTaps, passHz, from))))
          const stopHz = stopEdgeHz + ((from / 2 - stopEdgeHz) * i) / 10_000
          worstStopDb = Math.max(worstStopDb, 20 * Math.log10(firstStageGain(halfTaps, stopHz, from)))
        }
        expect(worstPassDb).toBeLessThan(0.01) // the brief's flatness for the first stage
        expect(worstStopDb).toBeLessThanOrEqual(-80) // the brief's protection of the final band
        // And short: a first stage as long as the single-stage bank (2 × 26 × ratio taps) would buy nothing.
        expect(2 * halfTaps.length - 1).toBeLessThan((2 * 26 * from) / to / 8)
      },
    )
  }

  for (const from of [48000, 44100]) {
    const to = 4000
    for (const freqHz of [100, 700, 1500, 1600]) {
      it(`${from} → ${to}: a ${freqHz} Hz tone keeps its amplitude (≤ 0.02 dB) and timing through the cascade`, () => {
        const y = resample(tone(freqHz, 1, from, 1, 0.3), from, to)
        expect(y.length).toBe(to)
        const ideal = tone(freqHz, 1, to, 1, 0.3)
        const [a, b] = middle(y)
        // Each stage is flat to < 0.01 dB here (1600 Hz = 0.8 × Nyquist, the bank's passband edge).
        expect(Math.abs(20 * Math.log10(rms(y, a, b) / rms(ideal, a, b)))).toBeLessThan(0.02)
        // Sample by sample against the ideal tone: 5e-4 is 2.5× the two stages' ripple (1e-4 each at
        // 80 dB); at 1600 Hz it bounds the delay to 5e-4 / (2π·1600) s ≈ 50 ns = 0.0002 output samples.
        expect(maxError(y, ideal, a, b)).toBeLessThan(5e-4)
      })
    }
  }

  // Between the final Nyquist (2 kHz) and the first stage's (6 / 5.5 kHz): the polyphase bank
  // removes them. Above: the first stage must, above all where they fold into 0–2 kHz at 12 / 11.025 kHz
  // (10–14 and 22–24 kHz at 48 k; 9.025–13.025 and 20.05–22.05 kHz at 44.1 k).
  const aliasCases: [number, number[]][] = [
    [48000, [2500, 3000, 4000, 5000, 5900, 8000, 10000, 10500, 11000, 12000, 13000, 14000, 18000, 22500, 23500]],
    [44100, [2500, 3000, 4000, 5000, 5400, 8000, 9025, 9500, 10000, 10500, 11025, 12000, 13000, 20500, 21000, 22000]],
  ]
  for (const [from, freqs] of aliasCases) {
    it(`${from} → 4000: tones from 2.5 kHz up to the input Nyquist are suppressed by ≥ 80 dB (RMS ratio)`, () => {
      const worst: string[] = []
      for (const freqHz of freqs) {
        // A phase offset, so a tone that folds exactly onto DC or a grid frequency is not hidden by its zeros.
        const x = tone(freqHz, 1, from, 1, 0.3)
        const y = resample(x, from, 4000)
        const [a, b] = middle(y)
        const [xa, xb] = middle(x)
        const suppressionDb = 20 * Math.log10(rms(x, xa, xb) / rms(y, a, b))
        // 80 dB: both stages' design stop band (the issue asks ≥ 80 dB below the final Nyquist).
        if (!(suppressionDb >= 80)) worst.push(`${freqHz} Hz: ${suppressionDb.toFixed(1)} dB`)
      }
      expect(worst).toEqual([])
    })
  }

  for (const [from, to] of [
    [48000, 4000],
    [44100, 4000],
    [96000, 4000],
    [22050, 4000],
  ] as [number, number][]) {
    it(`${from} → ${to}: the look-aheads compose in input samples, and latencySamples is what a stream actually holds back`, () => {
      const stream = new StreamingResampler(from, to)
      const k = stream.decimationFactor
      const firstStageReach = decimatorCoefficients(from, to)!.halfTaps.length - 1
      // The bank's reach is 26 samples of the output (lower) rate, counted in intermediate samples.
      const bankReach = Math.ceil((26 * from) / k / to)
      expect(stream.lookaheadInputSamples).toBe(firstStageReach + k * bankReach)
      expect(stream.latencySamples).toBe(Math.ceil((stream.lookaheadInputSamples * to) / from))
      // After a second of input: held back ≤ latency + 1 (the documented bound, also checked under
      // random chunking below) and ≥ latency − 1 (the bound is not a loose over-estimate).
      const produced = stream.process(tone(440, 1, from)).length
      const heldBack = to - produced
      expect(heldBack).toBeLessThanOrEqual(stream.latencySamples + 1)
      expect(heldBack).toBeGreaterThanOrEqual(stream.latencySamples - 1)
    })
  }
})

describe('resample: 4000 → 48000 → 4000 round trip (property)', () => {
  it('returns random band-limited signals (tones below 1.5 kHz) to within 1e-3', () => {
    const component = fc.record({
      freqHz: fc.double({ min: 1, max: 1500, noNaN: true }),
      amplitude: fc.double({ min: 0, max: 0.3, noNaN: true }),
      phase: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
    })
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 3 }), (parts) => {
        const x = Float32Array.from({ length: 1200 }, (_, i) =>
          parts.reduce((sum, { freqHz, amplitude, phase }) => sum + amplitude * Math.sin((2 * Math.PI * freqHz * i) / 4000 + phase), 0),
        )
        const back = resample(resample(x, 4000, 48000), 48000, 4000)
        expect(back.length).toBe(x.length)
        // Away from the ends (2 × the 26-sample filter reach); amplitudes sum to ≤ 0.9, ripple ~1e-4 per pass.
        expect(maxError(back, x, 60, x.length - 60)).toBeLessThan(1e-3)
      }),
      { numRuns: 30 },
    )
  })
})

describe('StreamingResampler', () => {
  const input = Float32Array.from({ length: 5000 }, (_, i) => ((Math.sin(i * 12.9898) * 43758.5453) % 1) * 0.5)

  // 96 k (k = 8), 22.05 k and 32 k (k = 2) add cascades with other first-stage factors.
  const chunkingPairs: [number, number][] = [...RATE_PAIRS, [44100, 48000], [4000, 4000], [96000, 4000], [22050, 4000], [32000, 4000]]
  for (const [from, to] of chunkingPairs) {
    it(`${from} → ${to}: any chunking equals the one-shot output exactly (property)`, () => {
      const oneShot = resample(input, from, to)
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 30 }), (sizes) => {
          const stream = new StreamingResampler(from, to)
          const parts: Float32Array[] = []
          let producedSoFar = 0
          let at = 0
          for (let k = 0; at < input.length; k++) {
            const size = sizes[k % sizes.length]! || 1
            parts.push(stream.process(input.subarray(at, at + size)))
            producedSoFar += parts.at(-1)!.length
            // Never more held back than the documented latency (+1 for the rounding of the rate ratio).
            const due = Math.ceil((Math.min(at + size, input.length) * to) / from)
            expect(due - producedSoFar).toBeLessThanOrEqual(stream.latencySamples + 1)
            at += size
          }
          parts.push(stream.flush())
          const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
          let offset = 0
          for (const p of parts) {
            joined.set(p, offset)
            offset += p.length
          }
          expect(firstDifference(joined, oneShot)).toBe(-1)
        }),
        { numRuns: 15 },
      )
    })
  }

  it('is reusable after flush and handles empty input', () => {
    const stream = new StreamingResampler(48000, 4000)
    expect(stream.process(new Float32Array(0)).length).toBe(0)
    expect(stream.flush().length).toBe(0)
    const first = [...stream.process(input), ...stream.flush()]
    expect([...stream.process(input), ...stream.flush()]).toEqual(first)
  })

  it('equal rates pass samples through untouched', () => {
    expect(firstDifference(resample(input, 4000, 4000), input)).toBe(-1)
  })
})

describe('invalid rates', () => {
  for (const bad of [0, -4000, Number.NaN, Number.POSITIVE_INFINITY, 44100.5]) {
    it(`${bad} → InvalidArgumentError naming the argument`, () => {
      expect(() => resample(new Float32Array(10), bad, 4000)).toThrow(InvalidArgumentError)
      expect(() => new StreamingResampler(4000, bad)).toThrow(`toRateHz: must be an integer number of Hz`)
    })
  }
})
