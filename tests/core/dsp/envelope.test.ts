import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { pcgEnvelope, standardise } from '../../../src/core/dsp/envelope'
import { decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'

const BASE = fileURLToPath(new URL('../../../../shared/data/circor/training_data/14241_AV', import.meta.url))
const audio = decodeWav(new Uint8Array(readFileSync(`${BASE}.wav`)), `${BASE}.wav`)
const samples = downmixToMono(audio)
/** The segmentation rows, parsed inline so this test depends only on the file itself. */
const rows = readFileSync(`${BASE}.tsv`, 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split('\t').map(Number) as [number, number, number])
const sounds = rows.filter(([, , label]) => label === 1 || label === 3)

function meanOver(envelope: Float32Array, rateHz: number, label: number): number {
  let sum = 0
  let count = 0
  for (const [start, end, l] of rows) {
    if (l !== label) continue
    for (let j = Math.ceil(start * rateHz); j < end * rateHz; j++) {
      sum += envelope[j]!
      count++
    }
  }
  return sum / count
}

describe('pcgEnvelope on CirCor 14241_AV', () => {
  for (const [method, minAligned] of [
    // Measured 23/26 and 26/26 when written; the bounds allow one more miss (a murmur-laden
    // systole in this recording sometimes outshines a quiet S2).
    ['homomorphic', 22],
    ['hilbert', 25],
  ] as const) {
    it(`${method}: the envelope maximum near each S1/S2 lies inside that sound`, () => {
      const { envelope, envelopeRateHz } = pcgEnvelope(samples, audio.sampleRateHz, { method })
      expect(envelopeRateHz).toBe(50)
      // Envelope sample j is time j/50 s: same duration as the audio.
      expect(envelope.length).toBe(Math.floor(((samples.length - 1) * 50) / 4000) + 1)
      expect(sounds.length).toBe(26)
      let aligned = 0
      for (const [start, end] of sounds) {
        // Search ±100 ms around the sound (half a typical systole), accept ±20 ms (one envelope sample).
        let best = -1
        for (let j = Math.ceil((start - 0.1) * envelopeRateHz); j <= Math.floor((end + 0.1) * envelopeRateHz); j++) {
          if (best < 0 || envelope[j]! > envelope[best]!) best = j
        }
        const t = best / envelopeRateHz
        if (t >= start - 0.02 && t <= end + 0.02) aligned++
      }
      expect(aligned).toBeGreaterThanOrEqual(minAligned)
    })

    it(`${method}: S1 and S2 are louder than diastole by at least half a standard deviation`, () => {
      const { envelope, envelopeRateHz } = pcgEnvelope(samples, audio.sampleRateHz, { method })
      const diastole = meanOver(envelope, envelopeRateHz, 4)
      // Measured gaps 0.6–0.9 sd; 0.5 sd separates sound from silence with margin.
      expect(meanOver(envelope, envelopeRateHz, 1) - diastole).toBeGreaterThan(0.5)
      expect(meanOver(envelope, envelopeRateHz, 3) - diastole).toBeGreaterThan(0.5)
    })
  }

  it('is normalised to zero mean and unit standard deviation', () => {
    const { envelope } = pcgEnvelope(samples, audio.sampleRateHz)
    const mean = envelope.reduce((a, b) => a + b, 0) / envelope.length
    const sd = Math.sqrt(envelope.reduce((a, b) => a + (b - mean) ** 2, 0) / envelope.length)
    // Float32 accumulation over ~1000 samples.
    expect(Math.abs(mean)).toBeLessThan(1e-5)
    expect(Math.abs(sd - 1)).toBeLessThan(1e-5)
  })
})

describe('pcgEnvelope edge cases', () => {
  it('silence and empty input give zeros, not NaN', () => {
    expect(Array.from(pcgEnvelope(new Float32Array(4000), 4000).envelope).every((v) => v === 0)).toBe(true)
    expect(pcgEnvelope(new Float32Array(0), 4000).envelope.length).toBe(0)
    expect(Array.from(standardise(new Float32Array([3, 3])))).toEqual([0, 0])
  })

  it('names the bad option', () => {
    expect(() => pcgEnvelope(samples, 600)).toThrow('bandHighHz: 400 Hz is not below Nyquist of 600 Hz audio')
    expect(() => pcgEnvelope(samples, 4000, { envelopeRateHz: 10 })).toThrow(InvalidArgumentError)
    expect(() => pcgEnvelope(samples, Number.NaN)).toThrow('sampleRateHz: must be positive and finite, got NaN')
  })
})
