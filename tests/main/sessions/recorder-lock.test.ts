/**
 * Liveness of a recording is the recorder's lock (recorder-lock.ts), tested with real processes:
 * a recorder child that is alive, the same child SIGKILLed, its pid "reused" by an unrelated live
 * process (as after a reboot), pid 1, a folder copied while it was being recorded, and a lock
 * file torn before its holder wrote its pid.
 */
import { spawn } from 'node:child_process'
import { closeSync, cpSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSessionMeta } from '../../../src/core/sessions/session-schema'
import { RECORDER_LOCK_FILE, recorderLockState } from '../../../src/main/sessions/recorder-lock'
import { repairUnfinishedSessions } from '../../../src/main/sessions/repair'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { testTempDir } from '../../helpers/temp-dir'
import { startRecordingProcess } from './helpers/recording-process'

const onLinux = process.platform === 'linux'
/** Half a second of audio at 4 kHz: the child has written data and patched its header at least once. */
const SOME_AUDIO_FRAMES = 2000

function metaStatus(dir: string): string {
  return parseSessionMeta(readFileSync(join(dir, 'session.json'), 'utf8'), 'session.json').status
}

/** Rewrites the lock and session.json as if `pid` had recorded the session (the pid-reuse case). */
function claimPid(dir: string, pid: number): void {
  const lockPath = join(dir, RECORDER_LOCK_FILE)
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as Record<string, unknown>
  writeFileSync(lockPath, JSON.stringify({ ...lock, pid }))
  const metaPath = join(dir, 'session.json')
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>
  writeFileSync(metaPath, JSON.stringify({ ...meta, recorderPid: pid }, null, 2))
}

describe.skipIf(!onLinux)('recorder lock (Linux /proc)', () => {
  it('a recorder in this process holds its lock until stop(), which removes it', () => {
    const dataDir = testTempDir('ausculta-lock-self-')
    const recorder = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'AV', device: { id: 'd', name: 'd' }, modelId: null })
    expect(recorderLockState(recorder.dir)).toEqual({ state: 'held', pid: process.pid })
    expect(repairUnfinishedSessions(dataDir).map((r) => r.outcome)).toEqual(['skipped-live'])
    recorder.stop()
    expect(existsSync(join(recorder.dir, RECORDER_LOCK_FILE))).toBe(false)
    expect(recorderLockState(recorder.dir)).toEqual({ state: 'none' })
  })

  it('a live recorder process is left alone and listed as a session; once SIGKILLed it is a problem, then repaired', async () => {
    const dataDir = testTempDir('ausculta-lock-child-')
    const rec = await startRecordingProcess(dataDir, SOME_AUDIO_FRAMES)
    try {
      expect(recorderLockState(rec.dir)).toEqual({ state: 'held', pid: rec.pid })
      expect(repairUnfinishedSessions(dataDir)).toMatchObject([{ outcome: 'skipped-live' }])
      const live = new SessionLibrary(dataDir).list()
      expect(live.problems).toEqual([])
      expect(live.sessions.map((s) => s.meta.status)).toEqual(['recording'])
    } finally {
      await rec.kill()
    }
    expect(recorderLockState(rec.dir)).toEqual({ state: 'stale', pid: rec.pid })
    const crashed = new SessionLibrary(dataDir).list()
    expect(crashed.sessions).toEqual([])
    expect(crashed.problems).toMatchObject([{ kind: 'unfinished', dir: rec.dir }])
    expect(crashed.problems[0]?.error.message).toMatch(/"recording", but no recorder is running/)

    expect(repairUnfinishedSessions(dataDir).map((r) => r.outcome)).toEqual(['repaired'])
    expect(metaStatus(rec.dir)).toBe('repaired')
    // The stale lock goes with the repair.
    expect(existsSync(join(rec.dir, RECORDER_LOCK_FILE))).toBe(false)
    expect(new SessionLibrary(dataDir).list().problems).toEqual([])
  })

  it('a pid reused by an unrelated live process (as after a reboot), or pid 1, does not make a crashed session live', async () => {
    const dataDir = testTempDir('ausculta-lock-reuse-')
    const first = await startRecordingProcess(dataDir, SOME_AUDIO_FRAMES)
    await first.kill()
    const second = await startRecordingProcess(dataDir, SOME_AUDIO_FRAMES)
    await second.kill()
    // An unrelated program now runs under the pid the lock and session.json name.
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      const strangerPid = stranger.pid as number
      claimPid(first.dir, strangerPid)
      claimPid(second.dir, 1)
      // Both pids are alive: a pid probe (signal 0) would call these recordings live forever.
      expect(() => process.kill(strangerPid, 0)).not.toThrow()
      expect(() => process.kill(1, 0)).not.toThrow()
      expect(recorderLockState(first.dir)).toEqual({ state: 'stale', pid: strangerPid })
      expect(recorderLockState(second.dir)).toEqual({ state: 'stale', pid: 1 })
      const results = repairUnfinishedSessions(dataDir)
      expect(results.map((r) => r.outcome)).toEqual(['repaired', 'repaired'])
      expect([metaStatus(first.dir), metaStatus(second.dir)]).toEqual(['repaired', 'repaired'])
    } finally {
      stranger.kill('SIGKILL')
    }
  })

  it('a folder copied while it was being recorded is not live: its lock is another file nobody holds', async () => {
    const dataDir = testTempDir('ausculta-lock-copy-')
    const copyDataDir = testTempDir('ausculta-lock-copy-dest-')
    const rec = await startRecordingProcess(dataDir, SOME_AUDIO_FRAMES)
    try {
      const copy = join(copyDataDir, 'sessions', 'copied-day', 'copied')
      cpSync(rec.dir, copy, { recursive: true })
      expect(recorderLockState(rec.dir).state).toBe('held')
      expect(recorderLockState(copy).state).toBe('stale')
    } finally {
      await rec.kill()
    }
  })

  it('a lock torn before its holder wrote a pid is still held while some process has it open', () => {
    const dir = testTempDir('ausculta-lock-torn-')
    const lockPath = join(dir, RECORDER_LOCK_FILE)
    writeFileSync(lockPath, '')
    const fd = openSync(lockPath, 'r')
    try {
      expect(recorderLockState(dir)).toEqual({ state: 'held', pid: process.pid })
    } finally {
      closeSync(fd)
    }
    expect(recorderLockState(dir)).toEqual({ state: 'stale', pid: null })
  })
})
