import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { autocorrelation, autocorrelationUnbiased } from '../../../src/core/dsp/autocorrelation'
import { fftInPlace, inverseRealFftHalf, nextPowerOfTwo, realFft, realFftHalf } from '../../../src/core/dsp/fft'
import { analyticAmplitude, analyticAmplitudeInto } from '../../../src/core/dsp/hilbert'
import { referenceAnalyticAmplitude } from './helpers/reference-envelope'

/** Textbook O(n²) DFT to check the FFT against. */
function dft(x: number[]): { re: number[]; im: number[] } {
  const n = x.length
  const re: number[] = []
  const im: number[] = []
  for (let k = 0; k < n; k++) {
    let sr = 0
    let si = 0
    for (let t = 0; t < n; t++) {
      sr += x[t]! * Math.cos((2 * Math.PI * k * t) / n)
      si -= x[t]! * Math.sin((2 * Math.PI * k * t) / n)
    }
    re.push(sr)
    im.push(si)
  }
  return { re, im }
}

const signal = (maxLog2: number) =>
  fc
    .integer({ min: 0, max: maxLog2 })
    .chain((log2) => fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 2 ** log2, maxLength: 2 ** log2 }))

describe('fft', () => {
  it('matches a direct DFT (property, sizes 1..256)', () => {
    fc.assert(
      fc.property(signal(8), (x) => {
        const { re, im } = realFft(x)
        const ref = dft(x)
        // |x| ≤ 1 and n ≤ 256: sums reach 256, float64 rounding stays far below 1e-9.
        for (let k = 0; k < x.length; k++) {
          expect(Math.abs(re[k]! - ref.re[k]!)).toBeLessThan(1e-9)
          expect(Math.abs(im[k]! - ref.im[k]!)).toBeLessThan(1e-9)
        }
      }),
      { numRuns: 100 },
    )
  })

  it('inverse undoes forward', () => {
    const x = Float64Array.from({ length: 1024 }, (_, i) => Math.sin(i * 0.37) + (i % 7) / 7)
    const re = Float64Array.from(x)
    const im = new Float64Array(1024)
    fftInPlace(re, im)
    fftInPlace(re, im, true)
    // Round-off of ~log2(1024) butterfly stages on O(1) values.
    for (let i = 0; i < 1024; i++) expect(Math.abs(re[i]! - x[i]!)).toBeLessThan(1e-12)
  })

  it('rejects lengths that are not powers of two', () => {
    expect(() => fftInPlace(new Float64Array(12), new Float64Array(12))).toThrow(InvalidArgumentError)
    expect(nextPowerOfTwo(1000)).toBe(1024)
    expect(nextPowerOfTwo(1024)).toBe(1024)
  })
})

describe('realFftHalf / inverseRealFftHalf', () => {
  it("give the complex FFT's bins 0..size/2 and invert them (property, sizes 2..512, zero padding)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 1 }),
        (xs, extra) => {
          const size = Math.max(2, nextPowerOfTwo(xs.length)) * 2 ** extra
          const full = realFft(xs, size)
          const re = new Float64Array(size / 2 + 1)
          const im = new Float64Array(size / 2 + 1)
          realFftHalf(xs, size, re, im)
          // Sums of ≤ 512 terms bounded by 1: float64 rounding stays far below 1e-9.
          for (let k = 0; k <= size / 2; k++) {
            expect(Math.abs(re[k]! - full.re[k]!)).toBeLessThan(1e-9)
            expect(Math.abs(im[k]! - full.im[k]!)).toBeLessThan(1e-9)
          }
          const back = new Float64Array(size)
          inverseRealFftHalf(re, im, size, back)
          for (let i = 0; i < size; i++) expect(Math.abs(back[i]! - (i < xs.length ? xs[i]! : 0))).toBeLessThan(1e-9)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('names the bad size or buffer', () => {
    const bins = new Float64Array(9)
    expect(() => realFftHalf([1, 2, 3], 12, bins, bins)).toThrow('size: must be a power of two ≥ 2, got 12')
    expect(() => realFftHalf(new Float64Array(20), 16, bins, bins)).toThrow('size: 16 is shorter than the signal (20)')
    expect(() => realFftHalf([1], 32, bins, bins)).toThrow('re/im: need 17 bins, got 9')
    expect(() => inverseRealFftHalf(bins, bins, 16, new Float64Array(8))).toThrow('out: need 16 samples, got 8')
  })
})

describe('autocorrelation', () => {
  it('equals the direct biased formula normalised by lag 0 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.nat(320), (xs, maxLag) => {
        const x = Float32Array.from(xs)
        const r = autocorrelation(x, maxLag)
        expect(r.length).toBe(maxLag + 1)
        let energy = 0
        for (const v of x) energy += v * v
        for (let k = 0; k <= maxLag; k++) {
          let direct = 0
          for (let n = 0; n + k < x.length; n++) direct += x[n]! * x[n + k]!
          const expected = energy > 0 ? direct / energy : 0
          // Float32 output: 1e-5 is a few float32 ulps of values bounded by 1; skip denormal-energy inputs.
          if (energy > 1e-20) expect(Math.abs(r[k]! - expected)).toBeLessThan(1e-5)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('finds the period of a pulse train at 72 bpm sampled at 50 Hz', () => {
    const rateHz = 50
    const periodSamples = (60 / 72) * rateHz // 41.67 samples
    const x = Float32Array.from({ length: 500 }, (_, i) => Math.exp(-(((i % periodSamples) - 5) ** 2) / 4))
    const mean = x.reduce((a, b) => a + b, 0) / x.length
    const centred = x.map((v) => v - mean)
    const r = autocorrelation(centred, 100)
    let best = 20
    for (let k = 20; k <= 60; k++) if (r[k]! > r[best]!) best = k
    // The true period is 41.67 samples: the peak must be on one of its two neighbours.
    expect([41, 42]).toContain(best)
    expect(r[0]).toBeCloseTo(1, 6)
  })

  it('unbiased variant rescales by n/(n−k); zero signal gives zeros', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.cos((2 * Math.PI * i) / 8))
    const biased = autocorrelation(x, 16)
    const unbiased = autocorrelationUnbiased(x, 16)
    expect(unbiased[8]).toBeCloseTo((biased[8]! * 64) / 56, 5)
    expect(Array.from(autocorrelation(new Float32Array(10), 3))).toEqual([0, 0, 0, 0])
    expect(() => autocorrelation(x, -1)).toThrow(InvalidArgumentError)
  })
})

describe('analyticAmplitude', () => {
  it('equals the complex-FFT computation it replaced (property, lengths 1..3000)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 3000 }), (xs) => {
        const x = Float32Array.from(xs)
        const fast = analyticAmplitude(x)
        const reference = referenceAnalyticAmplitude(x)
        // Same transform reordered: float64 round-off far below the float32 output's ulp
        // (6e-8 at 1) on amplitudes of at most a few units; 1e-6 leaves room for both.
        for (let i = 0; i < x.length; i++) expect(Math.abs(fast[i]! - reference[i]!)).toBeLessThan(1e-6)
        // In place (what pcgEnvelope does) gives the same.
        const inPlace = Float64Array.from(x)
        analyticAmplitudeInto(inPlace, inPlace)
        for (let i = 0; i < x.length; i++) expect(Math.abs(inPlace[i]! - reference[i]!)).toBeLessThan(1e-6)
      }),
      { numRuns: 60 },
    )
    expect(analyticAmplitude(new Float32Array(0)).length).toBe(0)
  })

  it('of a 100 Hz tone with an 80 % AM at 2 Hz recovers the modulation', () => {
    const rateHz = 4000
    const x = Float32Array.from(
      { length: 8192 },
      (_, i) => (1 + 0.8 * Math.sin((2 * Math.PI * 2 * i) / rateHz)) * Math.cos((2 * Math.PI * 100 * i) / rateHz),
    )
    const amplitude = analyticAmplitude(x)
    // Away from the ends (edge effects of the finite FFT), error stays below 1 % of full scale.
    for (let i = 400; i < 7800; i += 37) {
      expect(Math.abs(amplitude[i]! - (1 + 0.8 * Math.sin((2 * Math.PI * 2 * i) / rateHz)))).toBeLessThan(0.01)
    }
  })
})
