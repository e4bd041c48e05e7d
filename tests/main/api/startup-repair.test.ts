/**
 * The backend repairs sessions a crash left unfinished when it starts, before the library is
 * shown: a recording abandoned mid-way by a process that no longer exists comes back complete.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBackend } from '../../../src/main/api/create-backend'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { readWavMono } from '../../../src/main/io/wav-file'

const root = mkdtempSync(join(tmpdir(), 'ausculta-startup-repair-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('backend start-up', () => {
  it('repairs an unfinished session left by a dead recorder process', async () => {
    const dataDir = join(root, 'data')
    const { samples } = readWavMono(join(__dirname, '../../../samples/50238_MV.wav'))
    const recorder = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'MV', device: { id: 'd', name: 'd' }, modelId: 'm' })
    recorder.appendAudio({ samples: samples.subarray(0, 8000), sampleRateHz: 4000, firstSampleIndex: 0 })
    // Abandoned, as after a crash; its recorder was a process that has since exited.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number
    const metaPath = join(recorder.dir, 'session.json')
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>
    expect(meta['status']).toBe('recording')
    writeFileSync(metaPath, JSON.stringify({ ...meta, recorderPid: deadPid }))

    const service = await createBackend({ mode: 'browser', dataDir, devices: false, modelPath: null })
    try {
      const repaired = JSON.parse(readFileSync(metaPath, 'utf8')) as { status: string; audio: { frames: number } }
      expect(repaired.status).toBe('repaired')
      expect(repaired.audio.frames).toBe(8000)
    } finally {
      await service.dispose()
    }
  })
})
