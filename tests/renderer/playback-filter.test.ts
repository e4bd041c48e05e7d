/** Session playback's listening filters, on real recordings from samples/. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createListeningFilter } from '../../src/core/dsp/listening-filters'
import { readWavMono } from '../../src/main/io/wav-file'
import { filterForPlayback, PLAYBACK_FILTER_CHOICES } from '../../src/renderer/src/lib/playback-filter'
import { LISTENING_FILTER_CHOICES } from '../../src/renderer/src/lib/listening-filter-choices'
import { bandEnergy, toDb } from './band-energy'

const SAMPLES = ['50238_MV', '68303_AV', '84749_TV'].map((name) => ({
  name,
  ...readWavMono(join(__dirname, '../../samples', `${name}.wav`)),
}))

/** Output energy over input energy in a band, in dB. */
function gainDb(input: Float32Array, output: Float32Array, rateHz: number, loHz: number, hiHz: number): number {
  return toDb(bandEnergy(output, rateHz, loHz, hiHz) / bandEnergy(input, rateHz, loHz, hiHz))
}

describe('filterForPlayback', () => {
  it("'off' plays the recording as it is", () => {
    const { samples, sampleRateHz } = SAMPLES[0]!
    expect(filterForPlayback(samples, sampleRateHz, 'off')).toBe(samples)
  })

  it.each(SAMPLES)('$name: each filter keeps its band and removes what lies an octave or more outside it', ({ samples, sampleRateHz }) => {
    const bell = filterForPlayback(samples, sampleRateHz, 'bell')
    const diaphragm = filterForPlayback(samples, sampleRateHz, 'diaphragm')
    const wide = filterForPlayback(samples, sampleRateHz, 'wide')
    expect(bell.length).toBe(samples.length)
    // Pass bands: well inside the Butterworth edges the gain is ~0 dB (measured −0.0); 1 dB allows
    // for the FFT bins next to the edges.
    expect(Math.abs(gainDb(samples, bell, sampleRateHz, 60, 150))).toBeLessThan(1)
    expect(Math.abs(gainDb(samples, diaphragm, sampleRateHz, 150, 400))).toBeLessThan(1)
    expect(Math.abs(gainDb(samples, wide, sampleRateHz, 60, 400))).toBeLessThan(1)
    // Stop bands: 4 poles per edge give 24 dB per octave; 400–1000 Hz starts an octave above the
    // bell's 200 Hz, 10–40 Hz lies 1.3–3 octaves below the diaphragm's 100 Hz (measured −33 to
    // −45 dB). 20 dB leaves room for spectral leakage from the louder pass band.
    expect(gainDb(samples, bell, sampleRateHz, 400, 1000)).toBeLessThan(-20)
    expect(gainDb(samples, diaphragm, sampleRateHz, 10, 40)).toBeLessThan(-20)
    // Below 10 Hz is an octave under wide's 20-Hz edge (measured −19.5 to −38 dB).
    expect(gainDb(samples, wide, sampleRateHz, 0, 10)).toBeLessThan(-15)
  })

  it.each(['bell', 'diaphragm', 'wide'] as const)('%s: starts without a transient, even on a recording with a DC offset', (mode) => {
    const { samples, sampleRateHz } = SAMPLES[0]!
    // USB sound cards and cheap ADCs leave offsets of a few per cent of full scale; 5 % is a bad one.
    const offset = Float32Array.from(samples, (v) => v + 0.05)
    const clean = filterForPlayback(samples, sampleRateHz, mode)
    const shifted = filterForPlayback(offset, sampleRateHz, mode)
    const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0)
    // A band-pass primed in steady state ignores the offset completely: only float32 rounding
    // (~1e-7 of full scale) separates the two.
    expect(maxDiff(shifted, clean)).toBeLessThan(1e-5)
    // The same filter started cold thumps: its step response to the offset is 0.02–0.05 of full
    // scale, as loud as a quiet heart sound. This shows the check above can tell the two apart.
    const cold = (x: Float32Array): Float32Array => createListeningFilter(mode, sampleRateHz).process(x)
    expect(maxDiff(cold(offset), cold(samples))).toBeGreaterThan(0.01)
  })

  it('handles recordings of zero and one sample', () => {
    expect(filterForPlayback(new Float32Array(0), 4000, 'bell')).toHaveLength(0)
    expect(filterForPlayback(new Float32Array([0.5]), 4000, 'bell')).toHaveLength(1)
  })
})

describe('playback filter choices', () => {
  it('offer the live screen’s filters under the same names and bands, plus off', () => {
    expect(PLAYBACK_FILTER_CHOICES.map((c) => c.mode)).toEqual(['bell', 'diaphragm', 'wide', 'off'])
    for (const live of LISTENING_FILTER_CHOICES) expect(PLAYBACK_FILTER_CHOICES.find((c) => c.mode === live.mode)).toEqual(live)
    expect(LISTENING_FILTER_CHOICES.map((c) => `${c.label} ${c.band}`)).toEqual([
      'Bell 20–200 Hz',
      'Diaphragm 100–500 Hz',
      'Wide 20–1000 Hz',
    ])
  })
})
