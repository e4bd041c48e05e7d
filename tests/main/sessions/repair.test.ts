/**
 * Start-up repair on the crash states a recorder can leave behind, made for real: a recorder
 * abandoned mid-recording (as after a crash) plus the file damage a crash can add.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'
import { parseSessionMeta } from '../../../src/core/sessions/session-schema'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { repairUnfinishedSessions } from '../../../src/main/sessions/repair'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { loadCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-repair-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const source = loadCircor('84740_PV')
/** The recorders below belong to this (living) process and hold their locks; pretend it died so repair may act. */
const deadRecorder = { isRecorderLive: () => false }

/** Starts a recording, writes `frames` frames and `events` window events, and abandons it un-stopped. */
function abandonedRecording(dataDir: string, frames: number, events = 0): string {
  const recorder = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'PV', device: { id: 'd', name: 'd' }, modelId: 'm' })
  recorder.appendAudio({ samples: source.samples.subarray(0, frames), sampleRateHz: 4000, firstSampleIndex: 0 })
  for (const entry of source.trace.slice(0, events)) recorder.appendWindowEvent(entry)
  return recorder.dir
}

function readMeta(dir: string) {
  return parseSessionMeta(readFileSync(join(dir, 'session.json'), 'utf8'), 'session.json')
}

describe('repairUnfinishedSessions', () => {
  it('patches the header from the file length, keeps a torn trailing frame, notes a torn trace line', () => {
    const dataDir = join(root, 'torn')
    const dir = abandonedRecording(dataDir, 10_000, 3)
    const wavPath = join(dir, 'audio.wav')
    appendFileSync(wavPath, Buffer.from([1, 2, 3])) // 3 bytes of a 4-byte frame: torn mid-write
    appendFileSync(join(dir, 'hr-trace.jsonl'), '{"timeS": 9, "hrB')
    const sizeBefore = statSync(wavPath).size

    const [result, ...others] = repairUnfinishedSessions(dataDir, deadRecorder)
    expect(others).toEqual([])
    expect(result?.outcome).toBe('repaired')
    expect(result?.actions.join('\n')).toMatch(/data size \d+ → 40000 bytes \(10000 frames, 2.500 s\)/)
    expect(result?.actions.join('\n')).toMatch(/3 trailing bytes of a torn frame kept/)
    expect(result?.actions.join('\n')).toMatch(/hr-trace.jsonl:4: torn last line dropped/)
    // Never deletes audio: the file is exactly as long as before.
    expect(statSync(wavPath).size).toBe(sizeBefore)
    const wav = decodeWav(readFileSync(wavPath), 'audio.wav')
    expect(wav.channelData[0]).toEqual(source.samples.subarray(0, 10_000))
    const meta = readMeta(dir)
    expect(meta).toMatchObject({ status: 'repaired', audio: { frames: 10_000, durationS: 2.5 } })
    expect(meta.recorderPid).toBeUndefined()
    expect(meta.hrSummary?.windows).toBe(3)
    expect(meta.repairs).toHaveLength(1)
    expect(repairUnfinishedSessions(dataDir, deadRecorder)).toEqual([])
  })

  it('rebuilds a missing session.json from audio.wav', () => {
    const dataDir = join(root, 'no-meta')
    const dir = abandonedRecording(dataDir, 4_000)
    unlinkSync(join(dir, 'session.json'))
    const [result] = repairUnfinishedSessions(dataDir, deadRecorder)
    expect(result?.outcome).toBe('repaired')
    const meta = readMeta(dir)
    expect(meta).toMatchObject({ status: 'repaired', sampleRateHz: 4000, location: 'other', audio: { frames: 4_000 } })
    expect(meta.repairs[0]?.action).toMatch(/session.json missing/)
  })

  it('rewrites a torn header when the crash came before any audio', () => {
    const dataDir = join(root, 'torn-header')
    const dir = abandonedRecording(dataDir, 0)
    truncateSync(join(dir, 'audio.wav'), 20)
    const [result] = repairUnfinishedSessions(dataDir, deadRecorder)
    expect(result?.outcome).toBe('repaired')
    const wav = decodeWav(readFileSync(join(dir, 'audio.wav')), 'audio.wav')
    expect(wav.frames).toBe(0)
    expect(wav.sampleRateHz).toBe(4000)
  })

  it('leaves a live recording alone', () => {
    const dataDir = join(root, 'live')
    const dir = abandonedRecording(dataDir, 4_000)
    const [result] = repairUnfinishedSessions(dataDir) // default probe: this process is alive
    expect(result).toMatchObject({ outcome: 'skipped-live' })
    expect(readMeta(dir).status).toBe('recording')
  })

  it('reports a hand-edited session.json and does not touch the folder', () => {
    const dataDir = join(root, 'hand-edited')
    const dir = abandonedRecording(dataDir, 4_000)
    const metaPath = join(dir, 'session.json')
    const edited = readFileSync(metaPath, 'utf8').replace('"location": "PV"', '"location": "apex"')
    writeFileSync(metaPath, edited)
    const wavBefore = readFileSync(join(dir, 'audio.wav'))
    const [result] = repairUnfinishedSessions(dataDir, deadRecorder)
    expect(result?.outcome).toBe('failed')
    expect(result?.error).toBeInstanceOf(CorruptSessionError)
    expect(result?.error?.message).toMatch(/session.json: field "location".*"apex"/)
    expect(readFileSync(metaPath, 'utf8')).toBe(edited)
    expect(readFileSync(join(dir, 'audio.wav'))).toEqual(wavBefore)
  })

  it('ignores finished sessions and folders that are not sessions', () => {
    const dataDir = join(root, 'finished')
    const recorder = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'MV', device: { id: 'd', name: 'd' }, modelId: null })
    recorder.stop()
    expect(existsSync(join(recorder.dir, 'session.json'))).toBe(true)
    expect(repairUnfinishedSessions(dataDir, deadRecorder)).toEqual([])
    expect(repairUnfinishedSessions(join(root, 'does-not-exist'))).toEqual([])
  })
})
