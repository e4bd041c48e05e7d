/**
 * The library's session audio through the real worker thread: ranges are exactly the WAV
 * reader's samples, the overview saved at stop (and the one built lazily when it is missing,
 * stale or damaged) is exactly min/max over those samples, and bad ids and ranges fail with
 * typed errors that keep their class name across the thread.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MAX_AUDIO_RANGE_FRAMES } from '../../../src/core/sessions/audio-range'
import { PEAK_LEVELS, decodePeakOverview, type PeakOverview } from '../../../src/core/sessions/peak-overview'
import { decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'
import { PEAK_FILE_NAME } from '../../../src/main/sessions/peak-file'
import { SessionAudioClient } from '../../../src/main/sessions/session-audio-client'
import { recordLongSession, type RecordedSession } from '../../helpers/long-session'
import { tmpdir } from 'node:os'

let dataDir: string
let client: SessionAudioClient
/** 90 s: more than one level-5 bucket (131 072 frames), a partial last bucket at every level. */
let session: RecordedSession
let samples: Float32Array

function directMinMax(values: Float32Array, spb: number): Float32Array {
  const buckets = Math.ceil(values.length / spb)
  const out = new Float32Array(2 * buckets)
  for (let b = 0; b < buckets; b++) {
    let lo = Infinity
    let hi = -Infinity
    for (let i = b * spb; i < Math.min(values.length, (b + 1) * spb); i++) {
      lo = Math.min(lo, values[i] as number)
      hi = Math.max(hi, values[i] as number)
    }
    out[2 * b] = lo
    out[2 * b + 1] = hi
  }
  return out
}

function expectSameSamples(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length)
  let first = -1
  for (let i = 0; i < got.length && first < 0; i++) if (!Object.is(got[i], want[i])) first = i
  expect(first, first < 0 ? '' : `sample ${first}: ${got[first]} ≠ ${want[first]}`).toBe(-1)
}

function expectOverviewOf(overview: PeakOverview, values: Float32Array): void {
  expect(overview.frames).toBe(values.length)
  expect(overview.levels.map((l) => l.samplesPerBucket)).toEqual(PEAK_LEVELS)
  for (const level of overview.levels) expectSameSamples(level.minMax, directMinMax(values, level.samplesPerBucket))
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-session-audio-'))
  client = new SessionAudioClient()
  session = await recordLongSession(dataDir, 90)
  samples = downmixToMono(decodeWav(readFileSync(join(session.dir, 'audio.wav')), 'audio.wav'))
})

afterAll(async () => {
  await client?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('session audio (worker thread)', () => {
  it('saves an overview at stop that is min/max computed directly over the recording, at every level', () => {
    expect(session.overviewSaved).toBe(true)
    expect(samples.length).toBe(90 * 4000)
    expectOverviewOf(decodePeakOverview(new Uint8Array(readFileSync(join(session.dir, PEAK_FILE_NAME))), PEAK_FILE_NAME), samples)
  })

  it('returns exactly the WAV reader samples for any range', async () => {
    for (const [start, frames] of [
      [0, 1],
      [0, 4000],
      [123_457, 65_536],
      [samples.length - 7, 7],
      [200_000, 160_000],
    ] as const) {
      const range = await client.range(dataDir, session.id, start, frames)
      expect(range).toMatchObject({ sessionId: session.id, sampleRateHz: 4000, totalFrames: samples.length, startFrame: start })
      expectSameSamples(range.samples, samples.subarray(start, start + frames))
    }
  })

  it('answers peaks of any stretch from the saved overview: the right level, the right buckets', async () => {
    const overview = decodePeakOverview(new Uint8Array(readFileSync(join(session.dir, PEAK_FILE_NAME))), PEAK_FILE_NAME)
    // The whole 90 s in 1000 columns: 360 frames per column → the 128-frame level.
    const whole = await client.peaks(dataDir, session.id, { columns: 1000 })
    expect(whole).toMatchObject({ samplesPerBucket: 128, firstBucket: 0, totalFrames: samples.length, levels: PEAK_LEVELS })
    expectSameSamples(whole.minMax, overview.levels[0]!.minMax)
    // 40–60 s in 20 columns: 4000 frames per column → the 2048-frame level, buckets 78 … 118.
    const part = await client.peaks(dataDir, session.id, { startFrame: 160_000, endFrame: 240_000, columns: 20 })
    expect(part.samplesPerBucket).toBe(2048)
    expect(part.firstBucket).toBe(78)
    expectSameSamples(part.minMax, directMinMax(samples, 2048).subarray(2 * 78, 2 * 118))
  })

  it('builds the overview off the recording when it is missing, stale or damaged, and saves it', async () => {
    const peakPath = join(session.dir, PEAK_FILE_NAME)
    const saved = readFileSync(peakPath)
    for (const damage of [
      () => rmSync(peakPath),
      () => truncateSync(peakPath, 100),
      () => writeFileSync(peakPath, Buffer.from('not a peak file at all, just text')),
    ]) {
      damage()
      const whole = await client.peaks(dataDir, session.id, { columns: 500 })
      expectSameSamples(whole.minMax, directMinMax(samples, whole.samplesPerBucket))
      await client.settled()
      expect(readFileSync(peakPath).equals(saved)).toBe(true)
    }
  })

  it('rebuilds an overview made for another length of audio (a recording repaired after a crash)', async () => {
    const other = await recordLongSession(dataDir, 20)
    const otherPeaks = readFileSync(join(other.dir, PEAK_FILE_NAME))
    const peakPath = join(session.dir, PEAK_FILE_NAME)
    writeFileSync(peakPath, otherPeaks)
    const whole = await client.peaks(dataDir, session.id, { columns: 2000 })
    expect(whole.totalFrames).toBe(samples.length)
    expectSameSamples(whole.minMax, directMinMax(samples, whole.samplesPerBucket))
    await client.settled()
    expect(statSync(peakPath).size).not.toBe(otherPeaks.length)
  })

  it('fails bad ids and ranges with typed errors that name the session and the range', async () => {
    const notAnId = await errorOf(client.range(dataDir, '../../etc', 0, 10))
    expect(notAnId.name).toBe('SessionNotFoundError')
    const unknown = await errorOf(client.peaks(dataDir, '20990101T000000Z-abcdef', { columns: 10 }))
    expect(unknown.name).toBe('SessionNotFoundError')
    expect(unknown.message).toMatch(/session 20990101T000000Z-abcdef: not found/)

    const pastEnd = await errorOf(client.range(dataDir, session.id, samples.length - 5, 10))
    expect(pastEnd.name).toBe('AudioRangeError')
    expect(pastEnd.message).toBe(
      `session ${session.id}: frames ${samples.length - 5}..${samples.length + 5} are outside the recording (0..${samples.length})`,
    )
    expect((await errorOf(client.range(dataDir, session.id, 0, MAX_AUDIO_RANGE_FRAMES + 1))).message).toMatch(/at most 524288 per request/)
    expect((await errorOf(client.range(dataDir, session.id, -1, 10))).name).toBe('AudioRangeError')
    expect((await errorOf(client.peaks(dataDir, session.id, { startFrame: 100, endFrame: 50, columns: 10 }))).message).toMatch(
      /endFrame 50 must be after startFrame 100/,
    )
    expect((await errorOf(client.peaks(dataDir, session.id, { endFrame: samples.length + 1, columns: 10 }))).name).toBe('AudioRangeError')
    // The whole recording as base64 only for short sessions.
    const whole = await errorOf(client.whole(dataDir, session.id, 100_000))
    expect(whole.name).toBe('AudioRangeError')
    expect(whole.message).toMatch(
      /360000 frames \(1\.5 min\) are too many to send whole \(at most 100000\); read it with sessions:audioRange/,
    )
    const ok = await client.whole(dataDir, session.id, 1_000_000)
    expectSameSamples(new Float32Array(new Uint8Array(Buffer.from(ok.float32Base64, 'base64')).buffer), samples)
    // The client is still fine after every failure.
    expect((await client.range(dataDir, session.id, 0, 3)).samples).toEqual(samples.subarray(0, 3))
  })

  it('keeps answering after its worker dies', async () => {
    const lonely = new SessionAudioClient()
    try {
      const worker = (lonely as unknown as { worker: { terminate(): Promise<number> } }).worker
      await worker.terminate()
      // The client drops the dead worker on its exit event; the next request starts a new one.
      await vi.waitFor(() => expect((lonely as unknown as { worker: unknown }).worker).not.toBe(worker), { timeout: 10_000 })
      expect((await lonely.range(dataDir, session.id, 10, 5)).samples).toEqual(samples.subarray(10, 15))
    } finally {
      await lonely.close()
    }
  })
})
