/**
 * The peak overview against min/max computed directly on the WAV reader's samples of a real
 * recording, fed in chunks of every size; its file format's round trip and its refusals; and
 * which level a drawing request gets.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'
import {
  PEAK_LEVELS,
  PeakAccumulator,
  asReaderSample,
  decodePeakHeader,
  decodePeakOverview,
  encodePeakOverview,
  selectPeaks,
  type PeakOverview,
} from '../../../src/core/sessions/peak-overview'
import { decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'
import { encodeWav } from '../../../src/core/wav/wav-writer'
import { seededRandom } from '../../helpers/seeded-random'

const FIXTURE = join(__dirname, '../../fixtures/circor/14241_AV.wav')

/** min/max of frames [b·spb, (b+1)·spb) of `samples`, for every bucket: the definition itself. */
function directMinMax(samples: Float32Array, spb: number): Float32Array {
  const buckets = Math.ceil(samples.length / spb)
  const out = new Float32Array(2 * buckets)
  for (let b = 0; b < buckets; b++) {
    let lo = Infinity
    let hi = -Infinity
    for (let i = b * spb; i < Math.min(samples.length, (b + 1) * spb); i++) {
      lo = Math.min(lo, samples[i] as number)
      hi = Math.max(hi, samples[i] as number)
    }
    out[2 * b] = lo
    out[2 * b + 1] = hi
  }
  return out
}

function overviewOf(samples: Float32Array, chunkSizes: () => number, sampleRateHz = 4000): PeakOverview {
  const accumulator = new PeakAccumulator()
  for (let at = 0; at < samples.length;) {
    const n = Math.min(samples.length - at, chunkSizes())
    accumulator.push(samples.subarray(at, at + n))
    at += n
  }
  return accumulator.finish(sampleRateHz)
}

describe('peak overview', () => {
  const wav = decodeWav(readFileSync(FIXTURE), '14241_AV.wav')
  const samples = downmixToMono(wav)

  it('matches min/max computed directly on the WAV reader samples, at every level, whatever the chunking', () => {
    const random = seededRandom(20)
    // 1-frame chunks, chunks that straddle bucket edges, chunks bigger than a whole level-2 bucket.
    for (const chunkSizes of [() => 1 + random.int(0, 7), () => 100 + random.int(0, 300), () => 4000, () => 100_000]) {
      const overview = overviewOf(samples, chunkSizes, wav.sampleRateHz)
      expect(overview.frames).toBe(samples.length)
      expect(overview.levels.map((l) => l.samplesPerBucket)).toEqual(PEAK_LEVELS)
      for (const level of overview.levels) expect(level.minMax).toEqual(directMinMax(samples, level.samplesPerBucket))
    }
  })

  it('holds what a float32 WAV written from the same samples reads back as (NaN, ±∞ and values past full scale)', () => {
    const raw = Float32Array.from([0.5, Number.NaN, 1.5, -2, Infinity, -Infinity, 1, -1, 0.25, 1e-9])
    const written = downmixToMono(decodeWav(encodeWav([raw], 4000, 'float32'), 'odd.wav'))
    expect(Array.from(raw, asReaderSample)).toEqual(Array.from(written))
    const overview = overviewOf(raw, () => 3)
    expect(overview.levels[0]?.minMax).toEqual(directMinMax(written, 128))
  })

  it('has no buckets for an empty recording and one partial bucket for a short one', () => {
    expect(new PeakAccumulator().finish(4000).levels.every((l) => l.minMax.length === 0)).toBe(true)
    const short = overviewOf(samples.subarray(0, 5), () => 5)
    expect(short.levels.map((l) => l.minMax.length)).toEqual(PEAK_LEVELS.map(() => 2))
  })

  it('round-trips through its file format and refuses damaged files with the field at fault', () => {
    const overview = overviewOf(samples, () => 4000, wav.sampleRateHz)
    const bytes = encodePeakOverview(overview)
    // 24-byte header, 8 per level entry, 8 per bucket.
    const buckets = overview.levels.reduce((n, l) => n + l.minMax.length / 2, 0)
    expect(bytes.length).toBe(24 + 8 * PEAK_LEVELS.length + 8 * buckets)
    expect(decodePeakOverview(bytes, 'peaks.bin')).toEqual(overview)

    expect(() => decodePeakOverview(bytes.subarray(0, bytes.length - 8), 'peaks.bin')).toThrow(
      /peaks.bin: peak file is \d+ bytes, its header describes \d+/,
    )
    const badMagic = bytes.slice()
    badMagic[0] = 0x58
    expect(() => decodePeakOverview(badMagic, 'peaks.bin')).toThrow(CorruptSessionError)
    const badVersion = bytes.slice()
    new DataView(badVersion.buffer).setUint32(4, 9, true)
    expect(() => decodePeakOverview(badVersion, 'peaks.bin')).toThrow(/field "version": unsupported peak file version 9/)
    const badBuckets = bytes.slice()
    new DataView(badBuckets.buffer).setUint32(24 + 4, 3, true)
    expect(() => decodePeakOverview(badBuckets, 'peaks.bin')).toThrow(/field "levels\[0\].buckets"/)
    expect(() => decodePeakHeader(bytes.subarray(0, 10), bytes.length, 'peaks.bin')).toThrow(/too short/)
  })
})

describe('selectPeaks', () => {
  const frames = 3 * 3600 * 4000 // 3 h at 4 kHz
  const levels = PEAK_LEVELS.map((samplesPerBucket) => ({ samplesPerBucket, buckets: Math.ceil(frames / samplesPerBucket) }))

  it('gives each column at least one bucket from the coarsest level that can', () => {
    // The whole 3 h in 1920 columns: 22 500 frames per column → the 8192-frame level.
    const whole = selectPeaks(levels, frames, 0, frames, 1920, 32768)
    expect(whole.samplesPerBucket).toBe(8192)
    expect(whole.bucketCount).toBe(Math.ceil(frames / 8192))
    expect(whole.bucketCount).toBeGreaterThanOrEqual(1920)
    // 60 s in 1000 columns: 240 frames per column → the 128-frame level.
    const minute = selectPeaks(levels, frames, 4000 * 600, 4000 * 660, 1000, 32768)
    expect(minute.samplesPerBucket).toBe(128)
    expect(minute.firstBucket).toBe((4000 * 600) / 128)
    // Finer than the finest level: the finest is all there is (the caller draws from the samples).
    expect(selectPeaks(levels, frames, 0, 4000, 1000, 32768).samplesPerBucket).toBe(128)
  })

  it('merges the coarsest level when even it would exceed the bucket budget', () => {
    const selection = selectPeaks(levels, frames, 0, frames, 10, 100)
    expect(selection.bucketCount).toBeLessThanOrEqual(100)
    expect(selection.samplesPerBucket % PEAK_LEVELS[PEAK_LEVELS.length - 1]!).toBe(0)
    expect(selection.levelBuckets).toBe(levels[levels.length - 1]!.buckets)
  })
})
