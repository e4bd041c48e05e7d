/**
 * The backend repairs sessions a crash left unfinished when it starts, before the library is
 * shown: a recording abandoned mid-way by a recorder process that was SIGKILLed comes back
 * repaired — even when the pid it recorded now belongs to a live process (here the backend's own,
 * as after a reboot), since liveness is the recorder's lock, not a pid.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createBackend } from '../../../src/main/api/create-backend'
import { testTempDir } from '../../helpers/temp-dir'
import { startRecordingProcess } from '../sessions/helpers/recording-process'

/** Half a second of audio at 4 kHz, so the repaired session has audio to count. */
const SOME_AUDIO_FRAMES = 2000

describe('backend start-up', () => {
  it('repairs an unfinished session left by a killed recorder whose pid is now a live process', async () => {
    const dataDir = testTempDir('ausculta-startup-repair-')
    const recorder = await startRecordingProcess(dataDir, SOME_AUDIO_FRAMES)
    await recorder.kill()
    const metaPath = join(recorder.dir, 'session.json')
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>
    expect(meta['status']).toBe('recording')
    // The pid is reused: it now names this (live) process.
    writeFileSync(metaPath, JSON.stringify({ ...meta, recorderPid: process.pid }))
    const lockPath = join(recorder.dir, 'recorder.lock')
    writeFileSync(lockPath, JSON.stringify({ ...(JSON.parse(readFileSync(lockPath, 'utf8')) as object), pid: process.pid }))

    const service = await createBackend({ mode: 'browser', dataDir, devices: false, modelPath: null })
    try {
      const repaired = JSON.parse(readFileSync(metaPath, 'utf8')) as { status: string; audio: { frames: number } }
      expect(repaired.status).toBe('repaired')
      expect(repaired.audio.frames).toBeGreaterThanOrEqual(recorder.framesWritten())
      const listed = await service.handlers['sessions:list']({})
      expect(listed.map((s) => s.status)).toEqual(['repaired'])
      expect(await service.handlers['sessions:problems']({})).toEqual([])
    } finally {
      await service.dispose()
    }
  })
})
