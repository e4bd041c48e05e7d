import { describe, expect, it } from 'vitest'
import { ListeningPath } from '../../../src/core/dsp/listening-path'
import { InvalidArgumentError } from '../../../src/core/errors'
import { tone } from '../../helpers/signals'

const RATE_HZ = 4000

function peak(x: Float32Array): number {
  let m = 0
  for (const v of x) m = Math.max(m, Math.abs(v))
  return m
}

/** Feed in 64-sample chunks, as a capture callback would. */
function streamThrough(path: ListeningPath, x: Float32Array, chunk = 64): Float32Array {
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i += chunk) out.set(path.process(x.subarray(i, Math.min(x.length, i + chunk))), i)
  return out
}

describe('ListeningPath limiter', () => {
  it('never exceeds the ceiling on a full-scale square wave and clicks at +30 dB, whatever the filter', () => {
    // Over-range input: full-scale square wave with isolated ±1 spikes, 30 dB gain → ~31× over.
    const x = new Float32Array(RATE_HZ * 3)
    for (let i = 0; i < x.length; i++) x[i] = Math.sign(Math.sin((2 * Math.PI * 60 * i) / RATE_HZ)) * 0.9
    for (let i = 500; i < x.length; i += 997) x[i] = i % 2 === 0 ? 1 : -1
    for (const filter of ['none', 'bell', 'diaphragm', 'wide'] as const) {
      const path = new ListeningPath({ sampleRateHz: RATE_HZ, filter, gainDb: 30 })
      const y = streamThrough(path, x)
      // The bound is the limiter's contract: ceiling (−1 dBFS), exactly, no tolerance.
      expect(peak(y)).toBeLessThanOrEqual(path.ceiling)
      // And it still plays: a limiter that output silence would pass the bound trivially.
      expect(peak(y)).toBeGreaterThan(0.5 * path.ceiling)
    }
  })

  it('holds the ceiling on random over-range noise at every gain, fed in odd chunk sizes', () => {
    let seed = 12345
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const x = new Float32Array(RATE_HZ * 2)
    for (let i = 0; i < x.length; i++) x[i] = 4 * (random() - 0.5) // up to ±2, over range before any gain
    for (const gainDb of [0, 6, 18, 30]) {
      const path = new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'wide', gainDb })
      const y = streamThrough(path, x, 37)
      expect(peak(y)).toBeLessThanOrEqual(path.ceiling)
    }
  })

  it('leaves a quiet in-band tone untouched apart from the gain and look-ahead delay', () => {
    const path = new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'none', gainDb: 12 })
    const x = tone(150, 1, RATE_HZ, 0.01)
    const y = streamThrough(path, x)
    const gain = 10 ** (12 / 20)
    const d = path.latencySamples
    let maxError = 0
    for (let i = d; i < x.length; i++) maxError = Math.max(maxError, Math.abs(y[i]! - gain * x[i - d]!))
    // 0.04 × 4 = 0.04 peak in the output: float32 rounding is ~1e-8; 1e-6 leaves room and
    // would still catch any gain reduction (1 % of the peak is 4e-4).
    expect(maxError).toBeLessThan(1e-6)
    expect(path.limitingSamples).toBe(0)
  })

  it('mute glides to silence; unknown filters and out-of-range gains are refused', () => {
    const path = new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'none', gainDb: 0 })
    path.setMuted(true)
    const y = path.process(tone(100, 0.5, RATE_HZ, 0.5))
    // 20-ms ramp: after 0.25 s (12 time constants) the gain is e^-12 ≈ 6e-6 of where it started.
    expect(peak(y.subarray(1000))).toBeLessThan(1e-5)
    // The first sample is not cut to zero: the ramp avoids a click.
    expect(path.muted).toBe(true)
    expect(() => path.setGainDb(31)).toThrow(InvalidArgumentError)
    expect(() => path.setGainDb(-1)).toThrow(/gainDb/)
    expect(() => new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'loud' as never })).toThrow(/filter/)
  })

  it('a chunk comes back the same length, so the path adds no buffering beyond the look-ahead', () => {
    const path = new ListeningPath({ sampleRateHz: 48000 })
    expect(path.process(new Float32Array(128)).length).toBe(128)
    // 2 ms at 48 kHz.
    expect(path.latencySamples).toBe(96)
  })
})
