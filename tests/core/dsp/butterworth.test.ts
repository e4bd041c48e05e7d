import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { BiquadCascade, filtfilt, filtfiltDecimate, magnitudeResponseDb, type SosSections } from '../../../src/core/dsp/biquad'
import { butterworthBandpass, butterworthHighpass, butterworthLowpass } from '../../../src/core/dsp/butterworth'
import { referenceFiltfilt } from './helpers/reference-envelope'
import {
  LISTENING_FILTERS,
  LISTENING_FILTER_ORDER,
  createListeningFilter,
  type ListeningFilterMode,
} from '../../../src/core/dsp/listening-filters'
import { tone } from '../../helpers/signals'

const RATE_HZ = 4000

function rms(x: Float32Array, from = 0): number {
  let sum = 0
  for (let i = from; i < x.length; i++) sum += x[i]! ** 2
  return Math.sqrt(sum / (x.length - from))
}
const db = (ratio: number) => 20 * Math.log10(ratio)

/** Gain of the filter on a real 4-s sine, measured over the last 2 s (whole periods, transients gone). */
function measuredGainDb(make: () => BiquadCascade, freqHz: number): number {
  const x = tone(freqHz, 4, RATE_HZ)
  const y = make().process(x)
  const half = 2 * RATE_HZ
  return db(rms(y, half) / rms(x, half))
}

describe('Butterworth designs agree with scipy.signal.butter (real Python)', () => {
  const designs: [string, SosSections][] = [
    ["butter(4, [20, 200], 'bandpass')", butterworthBandpass(4, 20, 200, RATE_HZ)],
    ["butter(3, [25, 400], 'bandpass')", butterworthBandpass(3, 25, 400, RATE_HZ)],
    ["butter(3, [20, 1900], 'bandpass')", butterworthBandpass(3, 20, 1900, RATE_HZ)],
    ["butter(5, 300, 'lowpass')", butterworthLowpass(5, 300, RATE_HZ)],
    ["butter(4, 100, 'highpass')", butterworthHighpass(4, 100, RATE_HZ)],
  ]
  const freqsHz = [5, 10, 20, 63, 100, 200, 400, 1000, 1900]
  const script = `
from scipy import signal; import numpy as np, json
out = []
for d in ${JSON.stringify(designs.map(([d]) => d))}:
    sos = eval('signal.' + d[:-1] + ', fs=${RATE_HZ}, output="sos")')
    w, h = signal.sosfreqz(sos, worN=${JSON.stringify(freqsHz)}, fs=${RATE_HZ})
    out.append([float(v) for v in 20 * np.log10(np.abs(h))])
print(json.dumps(out))`
  const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' })

  designs.forEach(([name, sections], d) => {
    it(name, () => {
      expect(py.status, py.stderr).toBe(0)
      const reference = (JSON.parse(py.stdout) as number[][])[d]!
      freqsHz.forEach((f, i) => {
        // 1e-6 dB where the response is within 100 dB of unity; deeper, both are round-off.
        if (reference[i]! > -100) expect(Math.abs(magnitudeResponseDb(sections, f, RATE_HZ) - reference[i]!)).toBeLessThan(1e-6)
      })
    })
  })
})

describe('listening filters', () => {
  for (const mode of Object.keys(LISTENING_FILTERS) as ListeningFilterMode[]) {
    const { lowHz, highHz } = LISTENING_FILTERS[mode]
    const sections = createListeningFilter(mode, RATE_HZ).sections
    const centreHz = Math.sqrt(lowHz * highHz)

    it(`${mode}: analytic response −3 dB at ${lowHz}/${highHz} Hz, 0 dB at centre, ≥ 24 dB one octave out`, () => {
      expect(LISTENING_FILTER_ORDER).toBe(4)
      // Butterworth edges are −3.01 dB by construction; 0.5 dB is the tolerance.
      expect(Math.abs(magnitudeResponseDb(sections, lowHz, RATE_HZ) + 3)).toBeLessThan(0.5)
      expect(Math.abs(magnitudeResponseDb(sections, highHz, RATE_HZ) + 3)).toBeLessThan(0.5)
      // Maximally flat: the geometric centre is within 0.1 dB of unity.
      expect(Math.abs(magnitudeResponseDb(sections, centreHz, RATE_HZ))).toBeLessThan(0.1)
      // An 8-pole band-pass falls ≥ 24 dB one octave outside each edge (issue requirement).
      expect(magnitudeResponseDb(sections, lowHz / 2, RATE_HZ)).toBeLessThan(-24)
      if (highHz * 2 < RATE_HZ / 2) expect(magnitudeResponseDb(sections, highHz * 2, RATE_HZ)).toBeLessThan(-24)
    })

    it(`${mode}: real sine waves measure the same gains (within 0.1 dB)`, () => {
      // For wide the octave above (2 kHz) is Nyquist, where a sine cannot be measured: probe 1.5 kHz.
      const probes = [lowHz / 2, lowHz, centreHz, highHz, Math.min(highHz * 2, 1500)].map(Math.round)
      const measured = probes.map((f) => measuredGainDb(() => createListeningFilter(mode, RATE_HZ), f))
      probes.forEach((f, i) => {
        // 0.1 dB: RMS over 2 s of whole periods; the rest is float32 rounding.
        expect(Math.abs(measured[i]! - magnitudeResponseDb(sections, f, RATE_HZ))).toBeLessThan(0.1)
      })
      const [octaveBelow, low, centre, high, above] = measured as [number, number, number, number, number]
      // The same requirements as the analytic test, now on measured sines.
      expect(octaveBelow).toBeLessThan(-24)
      expect(Math.abs(low + 3)).toBeLessThan(0.5)
      expect(Math.abs(centre)).toBeLessThan(0.1)
      expect(Math.abs(high + 3)).toBeLessThan(0.5)
      expect(above).toBeLessThan(-24)
    })
  }

  it('wide on a 2 kHz source degrades to a high-pass; a 30 Hz source is rejected', () => {
    const sections = createListeningFilter('wide', 2000).sections
    expect(Math.abs(magnitudeResponseDb(sections, 20, 2000) + 3)).toBeLessThan(0.5)
    expect(Math.abs(magnitudeResponseDb(sections, 900, 2000))).toBeLessThan(0.1)
    expect(() => createListeningFilter('bell', 30)).toThrow(InvalidArgumentError)
    expect(() => createListeningFilter('loud' as ListeningFilterMode, RATE_HZ)).toThrow('mode: unknown listening filter "loud"')
  })
})

describe('BiquadCascade streaming', () => {
  const noise = Float32Array.from({ length: 6000 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1)

  it('any chunking gives exactly the one-shot output (property)', () => {
    const oneShot = createListeningFilter('diaphragm', RATE_HZ).process(noise)
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const filter = createListeningFilter('diaphragm', RATE_HZ)
        const out: number[] = []
        let at = 0
        for (let k = 0; at < noise.length; k++) {
          const size = sizes[k % sizes.length]!
          out.push(...filter.process(noise.subarray(at, at + size)))
          at += size
        }
        expect(Float32Array.from(out)).toEqual(oneShot)
      }),
      { numRuns: 50 },
    )
  })

  it('reset() forgets the past', () => {
    const filter = createListeningFilter('bell', RATE_HZ)
    const first = filter.process(noise)
    filter.reset()
    expect(filter.process(noise)).toEqual(first)
  })
})

describe('filtfilt', () => {
  it('has zero phase and squared magnitude on a 150 Hz tone through the bell filter', () => {
    const sections = createListeningFilter('bell', RATE_HZ).sections
    const x = tone(150, 4, RATE_HZ)
    const y = filtfilt(sections, x)
    const expectedGain = 10 ** ((2 * magnitudeResponseDb(sections, 150, RATE_HZ)) / 20)
    // In the middle second: y ≈ gain·x sample by sample (no delay); 1 % covers float32 and residual ringing.
    for (let i = 6000; i < 10000; i++) expect(Math.abs(y[i]! - expectedGain * x[i]!)).toBeLessThan(0.01)
  })

  it('keeps a DC level through a low-pass without an edge transient (steady-state start)', () => {
    const y = filtfilt(butterworthLowpass(2, 8, RATE_HZ), new Float32Array(4000).fill(0.5))
    // Steady-state initial conditions: no step response at the ends, so every sample stays at 0.5.
    for (const v of y) expect(Math.abs(v - 0.5)).toBeLessThan(1e-5)
  })
})

describe('filtfilt speed-ups keep its output', () => {
  const noise = Float32Array.from({ length: 20000 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1)
  // 1, 2, 3 and 4 sections: the single-section loop, the paired loop and both together.
  const designs: [string, SosSections][] = [
    ['low-pass order 1', butterworthLowpass(1, 8, RATE_HZ)],
    ['band-pass order 2', butterworthBandpass(2, 25, 400, RATE_HZ)],
    ['low-pass order 5', butterworthLowpass(5, 300, RATE_HZ)],
    ['band-pass order 4', butterworthBandpass(4, 25, 150, RATE_HZ)],
  ]
  for (const [name, sections] of designs) {
    it(`${name}: equals the section-by-section BiquadCascade computation`, () => {
      const fast = filtfilt(sections, noise)
      const reference = referenceFiltfilt(sections, noise)
      // The recursion is the same up to the order of one addition (float64); outputs are float32
      // of magnitude ≤ ~1, whose ulp is 6e-8.
      for (let i = 0; i < noise.length; i++) expect(Math.abs(fast[i]! - reference[i]!)).toBeLessThan(1e-6)
    })
  }

  it('filtfiltDecimate keeps every factor-th sample of filtfilt, with any input length', () => {
    const sections = butterworthBandpass(2, 25, 150, RATE_HZ)
    for (const length of [1, 2, 7, 19999, 20000]) {
      const x = noise.subarray(0, length)
      const full = filtfilt(sections, x)
      for (const factor of [1, 3, 8]) {
        const decimated = filtfiltDecimate(sections, x, factor)
        expect(decimated.length).toBe(Math.ceil(length / factor))
        // float64 against the float32 of filtfilt: one float32 rounding apart.
        decimated.forEach((v, j) => expect(Math.abs(v - full[j * factor]!)).toBeLessThan(1e-6))
      }
    }
    expect(filtfiltDecimate(sections, new Float32Array(0), 4).length).toBe(0)
    expect(() => filtfiltDecimate(sections, noise, 0)).toThrow('factor: must be a positive integer, got 0')
    expect(() => filtfiltDecimate(sections, noise, 2, -1)).toThrow('edgePad: must be a non-negative integer, got -1')
  })
})

describe('design argument checks', () => {
  it('rejects edges at or beyond Nyquist, inverted bands and silly orders', () => {
    expect(() => butterworthLowpass(2, 2000, RATE_HZ)).toThrow('cutoffHz: must lie strictly between 0 and Nyquist (2000 Hz), got 2000')
    expect(() => butterworthBandpass(2, 300, 200, RATE_HZ)).toThrow(InvalidArgumentError)
    expect(() => butterworthHighpass(0, 100, RATE_HZ)).toThrow('order: must be an integer in 1..20, got 0')
  })
})
