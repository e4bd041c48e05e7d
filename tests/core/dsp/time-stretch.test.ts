import { describe, expect, it } from 'vitest'
import { realFft } from '../../../src/core/dsp/fft'
import { timeStretch } from '../../../src/core/dsp/time-stretch'
import { InvalidArgumentError } from '../../../src/core/errors'
import { tone } from '../../helpers/signals'

/** Frequency of the largest FFT bin, refined by parabolic interpolation (Hann-windowed). */
function dominantHz(x: Float32Array, rateHz: number): number {
  const windowed = new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) windowed[i] = x[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / x.length))
  const size = Math.max(1 << 18, 2 ** Math.ceil(Math.log2(x.length)))
  const { re, im } = realFft(windowed, size)
  let best = 1
  const mag = (k: number): number => Math.hypot(re[k]!, im[k]!)
  for (let k = 1; k < size / 2; k++) if (mag(k) > mag(best)) best = k
  const a = Math.log(mag(best - 1)),
    b = Math.log(mag(best)),
    c = Math.log(mag(best + 1))
  const delta = (0.5 * (a - c)) / (a - 2 * b + c)
  return ((best + delta) * rateHz) / size
}

describe('timeStretch (WSOLA)', () => {
  for (const rateHz of [4000, 44100]) {
    for (const speed of [0.5, 1, 2]) {
      for (const frequencyHz of [60, 150, 440]) {
        it(`${frequencyHz} Hz at ${rateHz} Hz, ${speed}×: duration / speed, same pitch`, () => {
          const x = tone(frequencyHz, 4, rateHz, 0.5)
          const y = timeStretch(x, rateHz, speed)
          // Output duration × speed = input duration, to the sample.
          expect(y.length).toBe(Math.round(x.length / speed))
          // The bound: dominant frequency within 2 % of the tone's.
          expect(Math.abs(dominantHz(y, rateHz) / frequencyHz - 1)).toBeLessThan(0.02)
          // Level kept (no cancellation between overlapping frames): RMS of a 0.5 sine is 0.354;
          // ±10 % allows the edges and phase-join residue, catches frames adding out of phase.
          let sum = 0
          for (const v of y) sum += v * v
          expect(Math.sqrt(sum / y.length)).toBeGreaterThan(0.354 * 0.9)
          expect(Math.sqrt(sum / y.length)).toBeLessThan(0.354 * 1.1)
        })
      }
    }
  }

  it('keeps a train of S1-like bursts: 2× halves their spacing, 0.5× doubles it, none lost or repeated', () => {
    const rateHz = 4000
    const x = new Float32Array(rateHz * 4)
    // 80-ms bursts of 60 Hz under a Hann envelope, 1 s apart (a heart sound at 60 bpm).
    const burst = Math.round(0.08 * rateHz)
    for (let start = 400; start + burst < x.length; start += rateHz) {
      for (let k = 0; k < burst; k++)
        x[start + k] = Math.sin((2 * Math.PI * 60 * k) / rateHz) * (0.5 - 0.5 * Math.cos((2 * Math.PI * k) / burst))
    }
    for (const speed of [0.5, 2]) {
      const y = timeStretch(x, rateHz, speed)
      // Burst onsets: first sample above a quarter of the peak after at least 0.3 s (scaled) of quiet.
      const onsets: number[] = []
      const quiet = (0.3 * rateHz) / speed
      for (let i = 1; i < y.length; i++)
        if (Math.abs(y[i]!) > 0.25 && (onsets.length === 0 || i - onsets[onsets.length - 1]! > quiet)) onsets.push(i)
      expect(onsets.length).toBe(4)
      for (let k = 1; k < onsets.length; k++) {
        // 1 s apart in the input; a frame may move by the 20-ms tolerance either side of its
        // nominal place, so two onsets can disagree by 40 ms (plus a few samples of threshold).
        expect(Math.abs((onsets[k]! - onsets[k - 1]!) / rateHz - 1 / speed)).toBeLessThan(0.045)
      }
    }
  })

  it('refuses speeds outside 0.25–4', () => {
    expect(() => timeStretch(new Float32Array(10), 4000, 0)).toThrow(InvalidArgumentError)
    expect(() => timeStretch(new Float32Array(10), 4000, 8)).toThrow(/speed/)
  })
})
