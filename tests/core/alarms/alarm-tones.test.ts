/**
 * The alarm bursts measured on the synthesized samples themselves (what is played), against the
 * IEC 60601-1-8 ranges quoted in src/core/alarms/alarm-tones.ts.
 */
import { describe, expect, it } from 'vitest'
import { HARMONIC_AMPLITUDES, burstFor, pulseEnvelope, synthesizeBurst } from '../../../src/core/alarms/alarm-tones'
import { InvalidArgumentError } from '../../../src/core/errors'

const RATE = 48_000

/** Sliding maximum of |x| over `windowS` (one period of the lowest fundamental fits in 5 ms): the pulse envelope. */
function envelope(x: Float32Array, windowS = 0.005): Float32Array {
  const half = Math.round((windowS * RATE) / 2)
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) {
    let m = 0
    for (let j = Math.max(0, i - half); j <= Math.min(x.length - 1, i + half); j++) m = Math.max(m, Math.abs(x[j] as number))
    out[i] = m
  }
  return out
}

/** Runs of the envelope above `level` × its maximum, as [startS, endS]. */
function pulsesAbove(env: Float32Array, level: number): Array<[number, number]> {
  const max = env.reduce((a, b) => Math.max(a, b), 0)
  const runs: Array<[number, number]> = []
  let start = -1
  for (let i = 0; i <= env.length; i++) {
    const above = i < env.length && (env[i] as number) >= level * max
    if (above && start < 0) start = i
    if (!above && start >= 0) {
      runs.push([start / RATE, i / RATE])
      start = -1
    }
  }
  return runs
}

/** Amplitude of `frequencyHz` in x[from, to) (Hann-windowed DFT bin, scaled so a unit sine reads 1). */
function amplitudeAt(x: Float32Array, fromS: number, toS: number, frequencyHz: number): number {
  const a = Math.round(fromS * RATE)
  const b = Math.round(toS * RATE)
  let re = 0
  let im = 0
  let wsum = 0
  for (let i = a; i < b; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i - a)) / (b - a - 1))
    const phase = (2 * Math.PI * frequencyHz * i) / RATE
    re += w * (x[i] as number) * Math.cos(phase)
    im += w * (x[i] as number) * Math.sin(phase)
    wsum += w
  }
  return (2 * Math.hypot(re, im)) / wsum
}

const db = (ratio: number): number => 20 * Math.log10(ratio)

describe('alarm bursts (IEC 60601-1-8)', () => {
  it('medium: 3 pulses; td and the spacing inside 125–250 ms at the 10 % and the 90 % points; tb 2.5–30 s', () => {
    const spec = burstFor('medium')
    const env = envelope(synthesizeBurst(spec, RATE))
    for (const level of [0.1, 0.9]) {
      const runs = pulsesAbove(env, level)
      expect(runs).toHaveLength(3)
      for (const [start, end] of runs) {
        expect(end - start).toBeGreaterThanOrEqual(0.125)
        expect(end - start).toBeLessThanOrEqual(0.25)
      }
      for (let i = 1; i < runs.length; i++) {
        const gap = (runs[i] as [number, number])[0] - (runs[i - 1] as [number, number])[1]
        expect(gap).toBeGreaterThanOrEqual(0.125)
        expect(gap).toBeLessThanOrEqual(0.25)
      }
    }
    expect(spec.interburstS).toBeGreaterThanOrEqual(2.5)
    expect(spec.interburstS).toBeLessThanOrEqual(30)
  })

  it('low: 2 pulses, the same pulse shape; tb above 15 s', () => {
    const spec = burstFor('low')
    const runs = pulsesAbove(envelope(synthesizeBurst(spec, RATE)), 0.5)
    expect(runs).toHaveLength(2)
    expect(spec.interburstS).toBeGreaterThan(15)
  })

  it('high (specified, unused): 10 pulses in two groups of 5 split 3 + 2', () => {
    const runs = pulsesAbove(envelope(synthesizeBurst(burstFor('high'), RATE)), 0.5)
    expect(runs).toHaveLength(10)
    const gaps = runs.slice(1).map((r, i) => r[0] - (runs[i] as [number, number])[1])
    const x = gaps[0] as number
    expect(x).toBeGreaterThanOrEqual(0.05)
    expect(x).toBeLessThanOrEqual(0.125 + 0.02) // measured at 50 %: the ramps add their halves
    expect(gaps[4]).toBeGreaterThanOrEqual(0.35) // between the two halves: 0.35–1.30 s
    expect(gaps[4]).toBeLessThanOrEqual(1.3)
    expect(gaps[2]).toBeGreaterThan(2 * x) // the pause after the third pulse: 2x + td
  })

  it('rise time 10–20 % of td; pulses of one burst within 10 dB of each other', () => {
    const spec = burstFor('medium')
    for (const pulse of spec.pulses) {
      expect(pulse.riseS / pulse.durationS).toBeGreaterThanOrEqual(0.1)
      expect(pulse.riseS / pulse.durationS).toBeLessThanOrEqual(0.2)
      expect(pulseEnvelope(pulse, pulse.riseS / 2)).toBeCloseTo(0.5, 5)
    }
    const samples = synthesizeBurst(spec, RATE)
    const peaks = pulsesAbove(envelope(samples), 0.5).map(([a, b]) =>
      samples.subarray(Math.round(a * RATE), Math.round(b * RATE)).reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    )
    expect(db(Math.max(...peaks) / Math.min(...peaks))).toBeLessThanOrEqual(10)
    expect(Math.max(...peaks)).toBeLessThanOrEqual(0.5 + 1e-6) // the default peak: -6 dBFS
  })

  it('each pulse: its fundamental in 150–1000 Hz and at least 4 harmonics in 300–4000 Hz within 15 dB of it', () => {
    for (const priority of ['medium', 'low'] as const) {
      const spec = burstFor(priority)
      const samples = synthesizeBurst(spec, RATE)
      for (const pulse of spec.pulses) {
        const from = pulse.startS + pulse.riseS
        const to = pulse.startS + pulse.durationS - pulse.fallS
        const f0 = amplitudeAt(samples, from, to, pulse.frequencyHz)
        expect(pulse.frequencyHz).toBeGreaterThanOrEqual(150)
        expect(pulse.frequencyHz).toBeLessThanOrEqual(1000)
        let inBand = 0
        for (let k = 2; k <= 15; k++) {
          const f = k * pulse.frequencyHz
          if (f < 300 || f > 4000) continue
          if (db(amplitudeAt(samples, from, to, f) / f0) >= -15) inBand++
        }
        expect(inBand).toBeGreaterThanOrEqual(4)
        // Between the harmonics there is nothing (a measured check that the bins above are harmonics, not leakage).
        expect(db(amplitudeAt(samples, from, to, 1.5 * pulse.frequencyHz) / f0)).toBeLessThan(-40)
      }
    }
    expect(HARMONIC_AMPLITUDES.length - 1).toBeGreaterThanOrEqual(4)
  })

  it('medium plays a rising C–E–G (one burst, told from another burst by its melody)', () => {
    const spec = burstFor('medium')
    const samples = synthesizeBurst(spec, RATE)
    const [c, e, g] = spec.pulses.map((p) => p.frequencyHz)
    expect([c, e, g]).toEqual([261.63, 329.63, 392])
    const second = spec.pulses[1]!
    const from = second.startS + second.riseS
    const to = second.startS + second.durationS - second.fallS
    expect(amplitudeAt(samples, from, to, e as number)).toBeGreaterThan(10 * amplitudeAt(samples, from, to, c as number))
  })

  it('refuses an impossible sample rate or peak with a typed error', () => {
    expect(() => synthesizeBurst(burstFor('low'), 0)).toThrow(InvalidArgumentError)
    expect(() => synthesizeBurst(burstFor('low'), 48_000, 2)).toThrow(/peak/)
  })
})
