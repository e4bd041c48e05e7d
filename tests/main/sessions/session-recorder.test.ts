import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { parseHrTrace } from '../../../src/core/sessions/hr-trace'
import { parseSessionMeta } from '../../../src/core/sessions/session-schema'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { loadCircor, recordCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-recorder-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('SessionRecorder', () => {
  it('records a CirCor WAV bit-exactly with its HR trace and a complete session.json', () => {
    const dataDir = join(root, 'data')
    // 1237-sample chunks: not a divisor of anything, so chunk boundaries land everywhere.
    const { meta, dir, samples } = recordCircor(dataDir, '68303_AV', { chunkFrames: 1237, startedAt: new Date('2026-11-25T09:30:00Z') })
    expect(dir).toBe(join(dataDir, 'sessions', '2026-11-25', meta.id))
    // The data directory holds patient data: owner-only.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)

    const wav = decodeWav(readFileSync(join(dir, 'audio.wav')), 'audio.wav')
    expect(wav.warnings).toEqual([])
    expect(wav.format).toBe('float32')
    expect(wav.sampleRateHz).toBe(4000)
    expect(wav.channelData[0]).toEqual(samples)

    const onDisk = parseSessionMeta(readFileSync(join(dir, 'session.json'), 'utf8'), 'session.json')
    expect(onDisk).toEqual(meta)
    expect(meta.status).toBe('complete')
    expect(meta.recorderPid).toBeUndefined()
    expect(meta.audio.frames).toBe(samples.length)
    expect(meta.audio.durationS).toBeCloseTo(samples.length / 4000, 9)

    const expectedTrace = loadCircor('68303_AV').trace
    const trace = parseHrTrace(readFileSync(join(dir, 'hr-trace.jsonl'), 'utf8'), 'hr-trace.jsonl')
    expect(trace.entries).toEqual(expectedTrace)
    const rates = expectedTrace.map((e) => e.hrBpm as number)
    expect(meta.hrSummary?.windows).toBe(rates.length)
    expect(meta.hrSummary?.minBpm).toBe(Math.min(...rates))
    expect(meta.hrSummary?.maxBpm).toBe(Math.max(...rates))
  })

  it('says "recording" on disk while recording and keeps the header no more than the sync interval behind', () => {
    const { samples, sampleRateHz } = loadCircor('68303_AV')
    const recorder = SessionRecorder.start({
      dataDir: join(root, 'live'),
      sampleRateHz,
      location: 'AV',
      device: { id: 'd', name: 'd' },
      modelId: null,
    })
    recorder.appendAudio({ samples: samples.subarray(0, 4000), sampleRateHz, firstSampleIndex: 0 })
    const meta = parseSessionMeta(readFileSync(join(recorder.dir, 'session.json'), 'utf8'), 'session.json')
    expect(meta.status).toBe('recording')
    expect(meta.recorderPid).toBe(process.pid)
    recorder.sync()
    const header = readFileSync(join(recorder.dir, 'audio.wav')).subarray(0, 44)
    // After an explicit sync the header covers the 4000 frames (16000 bytes) written.
    expect(Buffer.from(header).readUInt32LE(40)).toBe(16000)
    expect(Buffer.from(header).readUInt32LE(4)).toBe(36 + 16000)
    recorder.stop()
  })

  it('patches the header within the sync interval even when the source stalls after a chunk', async () => {
    const { samples, sampleRateHz } = loadCircor('68303_AV')
    const recorder = SessionRecorder.start({
      dataDir: join(root, 'stall'),
      sampleRateHz,
      location: 'AV',
      device: { id: 'd', name: 'd' },
      modelId: null,
    })
    // Let the first interval pass so the append itself does not sync, then go quiet.
    recorder.sync()
    recorder.appendAudio({ samples: samples.subarray(0, 2000), sampleRateHz, firstSampleIndex: 0 })
    const dataSize = () => Buffer.from(readFileSync(join(recorder.dir, 'audio.wav')).subarray(0, 44)).readUInt32LE(40)
    expect(dataSize()).toBe(0)
    // 1 s interval plus 0.5 s slack for a loaded CI machine (the bound under test); no append happens meanwhile.
    await vi.waitFor(() => expect(dataSize()).toBe(8000), { timeout: 1500, interval: 50 })
    expect(recorder.framesInHeader).toBe(2000)
    // The fsync behind it runs on the thread pool; give it time on a loaded machine.
    await vi.waitFor(() => expect(recorder.framesSynced).toBe(2000), { timeout: 10_000, interval: 50 })
    recorder.stop()
  })

  it.skipIf(!existsSync('/proc/self/fd'))(
    'stop() during a background fsync closes the files once it ends (no leaked descriptors)',
    async () => {
      const openFds = () => readdirSync('/proc/self/fd').length
      const before = openFds()
      const { samples, sampleRateHz } = loadCircor('68303_AV')
      // A 1-ms interval makes every append start a background fsync, so stop() lands on one.
      const recorder = SessionRecorder.start({
        dataDir: join(root, 'inflight'),
        sampleRateHz,
        location: 'AV',
        device: { id: 'd', name: 'd' },
        modelId: null,
        syncIntervalMs: 1,
      })
      for (let at = 0; at < 40_000; at += 400) {
        recorder.appendAudio({ samples: samples.subarray(at, at + 400), sampleRateHz, firstSampleIndex: at })
        // Paced on purpose, so the appends land while earlier fsyncs are still running.
        await new Promise((r) => setTimeout(r, 2))
      }
      const meta = recorder.stop()
      expect(meta.audio.frames).toBe(40_000)
      // The fsync in flight ends on the thread pool, and only then are the files closed.
      await vi.waitFor(() => expect(openFds()).toBeLessThanOrEqual(before), { timeout: 10_000, interval: 20 })
      expect(openFds()).toBe(before)
      expect(decodeWav(readFileSync(join(recorder.dir, 'audio.wav')), 'audio.wav').channelData[0]).toEqual(samples.subarray(0, 40_000))
    },
  )

  it('fills a dropout with silence (time stays aligned) and skips resent samples', () => {
    const { samples, sampleRateHz } = loadCircor('68303_AV')
    const recorder = SessionRecorder.start({
      dataDir: join(root, 'gaps'),
      sampleRateHz,
      location: 'other',
      locationDetail: 'apex',
      device: { id: 'd', name: 'd' },
      modelId: null,
    })
    // Source indices may start anywhere; the recording starts at the first chunk.
    recorder.appendAudio({ samples: samples.subarray(0, 100), sampleRateHz, firstSampleIndex: 5000 })
    recorder.appendAudio({ samples: samples.subarray(150, 200), sampleRateHz, firstSampleIndex: 5150 }) // 50 dropped
    recorder.appendAudio({ samples: samples.subarray(180, 300), sampleRateHz, firstSampleIndex: 5180 }) // 20 resent
    // The source's own gap fill (offsets 10–30 of this chunk) is noted too.
    recorder.appendAudio({ samples: samples.subarray(300, 400), sampleRateHz, firstSampleIndex: 5300, gaps: [[10, 30]] })
    const meta = recorder.stop()
    expect(meta.dropouts).toEqual([
      { atS: 100 / 4000, samples: 50 },
      { atS: 310 / 4000, samples: 20 },
    ])
    const got = decodeWav(readFileSync(join(recorder.dir, 'audio.wav')), 'audio.wav').channelData[0] as Float32Array
    expect(got.length).toBe(400)
    expect(got.subarray(0, 100)).toEqual(samples.subarray(0, 100))
    expect(got.subarray(100, 150)).toEqual(new Float32Array(50))
    expect(got.subarray(150, 400)).toEqual(samples.subarray(150, 400))
  })

  it('rejects a chunk at another sample rate and appends after stop', () => {
    const recorder = SessionRecorder.start({
      dataDir: join(root, 'bad'),
      sampleRateHz: 4000,
      location: 'PV',
      device: { id: 'd', name: 'd' },
      modelId: null,
    })
    expect(() => recorder.appendAudio({ samples: new Float32Array(10), sampleRateHz: 44100, firstSampleIndex: 0 })).toThrow(
      /44100 differs from the recording's 4000/,
    )
    recorder.appendAudio({ samples: new Float32Array(10), sampleRateHz: 4000, firstSampleIndex: 0 })
    // A counter jump of 700 s (over the 600-s padding limit) is a source bug, not a dropout.
    expect(() => recorder.appendAudio({ samples: new Float32Array(10), sampleRateHz: 4000, firstSampleIndex: 700 * 4000 })).toThrow(
      /refusing to pad/,
    )
    expect(recorder.framesWritten).toBe(10)
    // A NaN HR would be written as null and poison the trace file: refused before writing.
    expect(() =>
      recorder.appendWindowEvent({ timeS: 5, hrBpm: Number.NaN, confidence: 0.5, layers: [], classicalHrBpm: null, classicalQuality: 0 }),
    ).toThrow(/window event field "hrBpm"/)
    expect(readFileSync(join(recorder.dir, 'hr-trace.jsonl'), 'utf8')).toBe('')
    recorder.stop()
    expect(() => recorder.appendAudio({ samples: new Float32Array(10), sampleRateHz: 4000, firstSampleIndex: 0 })).toThrow(
      InvalidArgumentError,
    )
    expect(() => recorder.stop()).toThrow(/already stopped/)
  })

  it('never overwrites an existing session folder', () => {
    const options = {
      dataDir: join(root, 'clash'),
      sampleRateHz: 4000,
      location: 'TV' as const,
      device: { id: 'd', name: 'd' },
      modelId: null,
      id: 'same-id',
      startedAt: new Date('2026-01-01T00:00:00Z'),
    }
    SessionRecorder.start(options).stop()
    expect(() => SessionRecorder.start(options)).toThrow(/EEXIST/)
  })
})
