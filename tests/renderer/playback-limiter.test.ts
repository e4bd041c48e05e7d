/** Session playback's gain and limiter, on real recordings from samples/. */
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { timeStretch } from '../../src/core/dsp/time-stretch'
import { InvalidArgumentError } from '../../src/core/errors'
import { readWavMono } from '../../src/main/io/wav-file'
import { filterForPlayback, PLAYBACK_FILTER_CHOICES } from '../../src/renderer/src/lib/playback-filter'
import {
  limitForPlayback,
  PLAYBACK_CEILING,
  PLAYBACK_GAIN_DEFAULT,
  PLAYBACK_GAIN_MAX,
  PLAYBACK_GAIN_MIN,
} from '../../src/renderer/src/lib/playback-limiter'

const read = (name: string): { samples: Float32Array; sampleRateHz: number } => readWavMono(join(__dirname, '../../samples', `${name}.wav`))
/** Peaks at full scale, and above it through the wide filter (1.04): the recording of the issue. */
const LOUD = read('50238_MV')
/** The least loud sample: peak 0.805 (−1.9 dBFS), under the −1 dBFS ceiling at unity gain. */
const QUIET = read('68303_AV')
const FILTERS = PLAYBACK_FILTER_CHOICES.map((c) => c.mode)
/** The speed buttons (PLAYBACK_SPEEDS in playback.svelte.ts, a module typed against the DOM, not importable here). */
const SPEEDS = [0.5, 1, 2] as const

const peak = (x: ArrayLike<number>): number => {
  let p = 0
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i]!))
  return p
}

describe('limitForPlayback', () => {
  it('the UI offers ×1 … ×20 (0 … +26 dB), ×4 by default, with a −1 dBFS ceiling', () => {
    expect([PLAYBACK_GAIN_MIN, PLAYBACK_GAIN_DEFAULT, PLAYBACK_GAIN_MAX]).toEqual([1, 4, 20])
    expect(20 * Math.log10(PLAYBACK_CEILING)).toBeCloseTo(-1, 12)
  })

  it.each(FILTERS)('50238_MV through %s at the maximum gain, at every speed: never above the ceiling', (filter) => {
    const { samples, sampleRateHz } = LOUD
    const filtered = filterForPlayback(samples, sampleRateHz, filter)
    for (const speed of SPEEDS) {
      const stretched = speed === 1 ? filtered : timeStretch(filtered, sampleRateHz, speed)
      const played = limitForPlayback(stretched, sampleRateHz, PLAYBACK_GAIN_MAX)
      // Same time line as the stretched audio: the cursor maps recording time to buffer time by speed alone.
      expect(played.length).toBe(stretched.length)
      // Without the limiter this would be far over full scale (every filter peaks ≥ 0.33 here, ×20 ≥ 6.6).
      expect(peak(stretched) * PLAYBACK_GAIN_MAX).toBeGreaterThan(6)
      // The limiter's contract, exactly: no tolerance (float32 rounds the ceiling itself down).
      expect(peak(played)).toBeLessThanOrEqual(PLAYBACK_CEILING)
      // Turned down, not silenced: the beats still reach the ceiling's neighbourhood (within 1 dB).
      expect(peak(played)).toBeGreaterThan(PLAYBACK_CEILING * 10 ** (-1 / 20))
    }
  })

  it.each(['68303_AV', '74420_MV', '84740_PV', '84749_TV'])(
    '%s through each filter at the maximum gain: never above the ceiling',
    (name) => {
      const { samples, sampleRateHz } = read(name)
      for (const filter of FILTERS) {
        const played = limitForPlayback(filterForPlayback(samples, sampleRateHz, filter), sampleRateHz, PLAYBACK_GAIN_MAX)
        expect(peak(played)).toBeLessThanOrEqual(PLAYBACK_CEILING)
      }
    },
  )

  it('leaves a recording whose peaks stay under the ceiling as it is: 68303_AV unfiltered at ×1', () => {
    const { samples, sampleRateHz } = QUIET
    expect(peak(samples)).toBeLessThan(PLAYBACK_CEILING)
    // At unity gain the limiter's gain stays exactly 1, so every sample passes bit for bit.
    expect(limitForPlayback(samples, sampleRateHz, PLAYBACK_GAIN_MIN)).toEqual(samples)
  })

  it.each(FILTERS)('leaves a quiet chest (50238_MV at −30 dB) through %s amplified ×20 and nothing else', (filter) => {
    const { samples, sampleRateHz } = LOUD
    const quiet = Float32Array.from(samples, (v) => v * 10 ** (-30 / 20))
    const filtered = filterForPlayback(quiet, sampleRateHz, filter)
    // Wide's 1.04 peak at −30 dB, ×20 (+26 dB): 0.66, under the ceiling: nothing to limit.
    expect(peak(filtered) * PLAYBACK_GAIN_MAX).toBeLessThan(PLAYBACK_CEILING)
    const played = limitForPlayback(filtered, sampleRateHz, PLAYBACK_GAIN_MAX)
    let maxError = 0
    for (let i = 0; i < played.length; i++) maxError = Math.max(maxError, Math.abs(played[i]! - filtered[i]! * PLAYBACK_GAIN_MAX))
    // Only rounding separates them: float32 output (half an ulp, 3e-8 below 1) and the gain's
    // trip through dB (1e-15 relative). A delay of even one sample, or any limiting, would be ≥ 1e-4.
    expect(maxError).toBeLessThan(1e-7)
  })

  it('does not delay the heavily limited output: it lines up with the input to the sample', () => {
    const { samples, sampleRateHz } = LOUD
    const filtered = filterForPlayback(samples, sampleRateHz, 'wide')
    const played = limitForPlayback(filtered, sampleRateHz, PLAYBACK_GAIN_MAX)
    const correlation = (lag: number): number => {
      let sum = 0
      for (let i = Math.max(0, -lag); i < played.length && i + lag < filtered.length; i++) sum += played[i]! * filtered[i + lag]!
      return sum
    }
    // ±16 samples is twice the look-ahead (2 ms = 8 samples at 4 kHz), the delay left untrimmed.
    const lags = Array.from({ length: 33 }, (_, k) => k - 16)
    const best = lags.reduce((a, b) => (correlation(b) > correlation(a) ? b : a))
    expect(best).toBe(0)
  })

  it('holds the ceiling for any signal and any gain the slider allows (property)', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ min: Math.fround(-8), max: Math.fround(8), noNaN: true, minLength: 0, maxLength: 400 }),
        fc.double({ min: PLAYBACK_GAIN_MIN, max: PLAYBACK_GAIN_MAX, noNaN: true }),
        (audio, gain) => {
          const played = limitForPlayback(audio, 4000, gain)
          return played.length === audio.length && peak(played) <= PLAYBACK_CEILING
        },
      ),
      // fast-check's default is 100 runs; 300 covers more short clicks and bursts for milliseconds of CPU.
      { numRuns: 300 },
    )
  })

  it('refuses a gain the slider does not offer, naming it', () => {
    expect(() => limitForPlayback(new Float32Array(10), 4000, 0.5)).toThrow(InvalidArgumentError)
    expect(() => limitForPlayback(new Float32Array(10), 4000, 40)).toThrow(/gain: .*\[1, 20\].*got 40/)
    expect(() => limitForPlayback(new Float32Array(10), 4000, Number.NaN)).toThrow(/got NaN/)
  })
})
