/**
 * The app service through its contract handlers, with the real Monitor (worker thread, classical
 * estimator; no model so the test does not depend on a training run), real demo sources on the
 * samples/ recordings, the real recorder and session library on a temporary data folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeFloat32Base64, dispatchApiRequest, type ApiEventChannel, type MonitorEventPayload } from '../../../src/core/api/contract'
import type { AppService } from '../../../src/main/api/app-service'
import { readWavMono } from '../../../src/main/io/wav-file'
import { startTestApp, stopTestApp, testAppService, until } from '../../helpers/app-service'

const ROOT = join(__dirname, '../../..')
let dataDir: string
let service: AppService
let events: Array<{ channel: ApiEventChannel; payload: unknown }>

/** Calls a channel the way a transport does: request and response validated by the contract. */
function call(channel: string, request: unknown = {}): Promise<unknown> {
  return dispatchApiRequest(service.handlers, channel, request)
}

const monitorEvents = (type: string): MonitorEventPayload[] =>
  events
    .filter((e) => e.channel === 'event:monitor' && (e.payload as { type: string }).type === type)
    .map((e) => e.payload as MonitorEventPayload)

beforeEach(() => {
  ;({ dataDir, service, events } = startTestApp('ausculta-app-service-'))
})
afterEach(() => stopTestApp({ dataDir, service }))

describe('AppService', () => {
  it('lists the five sample recordings as demo devices and refuses ids outside them', async () => {
    const devices = (await call('devices:list')) as Array<{ id: string; kind: string; active: boolean }>
    // samples/ holds five CirCor recordings (samples/README.md).
    expect(devices).toHaveLength(5)
    expect(devices.every((d) => d.kind === 'demo' && !d.active)).toBe(true)
    await expect(call('devices:select', { id: 'demo:../package.json' })).rejects.toThrow(/no such demo recording/)
    await expect(call('devices:select', { id: 'demo:nope.wav' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('streams, records with a mark, lists, edits with undo and exports the session', async () => {
    const status = (await call('devices:select', { id: 'demo:50238_MV.wav' })) as { state: string }
    expect(status.state).toBe('running')
    await until(() => monitorEvents('window').length >= 1, 30_000, 'a window event')
    const pcg = monitorEvents('pcg')[0] as { sampleRateHz: number }
    expect(pcg.sampleRateHz).toBe(4000)

    await call('recording:start', { location: 'MV', patientId: 'P-1' })
    await expect(call('recording:start', {})).rejects.toThrow(/already recording/)
    // Half a second of wall time each side of the mark: the duration check below measures what arrives in it.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const mark = (await call('recording:mark', {})) as { timeS: number }
    expect(mark.timeS).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const summary = (await call('recording:stop')) as {
      id: string
      durationS: number
      annotationCount: number
      location: string
      patientId: string
    }
    // About 1 s of wall time at speed 8 is ~8 s of audio; anything over 2 s shows audio arrived throughout.
    expect(summary.durationS).toBeGreaterThan(2)
    expect(summary).toMatchObject({ annotationCount: 1, location: 'MV', patientId: 'P-1' })
    expect(events.some((e) => e.channel === 'event:recording' && (e.payload as { recording: boolean }).recording)).toBe(true)

    const list = (await call('sessions:list', {})) as Array<{ id: string }>
    expect(list.map((s) => s.id)).toEqual([summary.id])
    const audio = (await call('sessions:audio', { id: summary.id })) as { float32Base64: string; frames: number; sampleRateHz: number }
    const samples = decodeFloat32Base64(audio.float32Base64, audio.frames)
    expect(samples.length / audio.sampleRateHz).toBeCloseTo(summary.durationS, 2)
    // The recording is a stretch of the demo file (4 kHz in, 4 kHz model rate: no resampling), so
    // its first 100 samples occur verbatim in the WAV; float32 stores 16-bit samples exactly.
    const wav = readWavMono(join(ROOT, 'samples/50238_MV.wav'))
    const head = Array.from(samples.subarray(0, 100))
    let offset = -1
    for (let i = 0; i + 100 <= wav.samples.length && offset < 0; i++) {
      if (wav.samples[i] === head[0] && head.every((v, k) => wav.samples[i + k] === v)) offset = i
    }
    expect(offset).toBeGreaterThanOrEqual(0)

    let detail = (await call('sessions:edit', { id: summary.id, edit: { type: 'addSpan', startS: 1, endS: 1.5, spanKind: 'murmur' } })) as {
      annotations: Array<{ id: string; kind: string; startS?: number; endS?: number }>
      canUndo: boolean
    }
    const span = detail.annotations.find((a) => a.kind === 'span') as { id: string }
    detail = (await call('sessions:edit', { id: summary.id, edit: { type: 'move', id: span.id, startS: 2 } })) as typeof detail
    expect(detail.annotations.find((a) => a.id === span.id)).toMatchObject({ startS: 2, endS: 2.5 })
    detail = (await call('sessions:edit', { id: summary.id, edit: { type: 'undo' } })) as typeof detail
    expect(detail.annotations.find((a) => a.id === span.id)).toMatchObject({ startS: 1, endS: 1.5 })
    await expect(call('sessions:edit', { id: summary.id, edit: { type: 'remove', id: 'zz9' } })).rejects.toThrow(/zz9/)

    const updated = (await call('sessions:update', {
      id: summary.id,
      patientName: 'Ada L.',
      patientId: '',
      notes: 'murmur at apex',
      location: 'TV',
    })) as { summary: { patientId: string | null; patientName: string | null; notes: string; location: string } }
    // An emptied patient ID is removed, not stored as "".
    expect(updated.summary).toMatchObject({ patientId: null, patientName: 'Ada L.', notes: 'murmur at apex', location: 'TV' })
    expect(((await call('sessions:list', { text: 'ada' })) as unknown[]).length).toBe(1)

    const exported = (await call('sessions:export', { id: summary.id, format: 'zip' })) as { path: string; files: string[] }
    expect(exported.path.endsWith('.zip')).toBe(true)
    expect(existsSync(exported.path)).toBe(true)
    // Export files are named by what they hold: <patient or session id>_<site>.wav (issue 17).
    expect(exported.files).toContain(`${summary.id}_TV.wav`)
    const again = (await call('sessions:export', { id: summary.id, format: 'folder' })) as { path: string }
    expect(existsSync(join(again.path, 'annotations.json'))).toBe(true)
  }, 60_000)

  it('validates settings, applies them and keeps them in the data folder', async () => {
    await expect(call('settings:update', { monitor: { alarms: { hrLowBpm: 120, hrHighBpm: 100 } } })).rejects.toThrow(
      /low 120 bpm must be below high 100 bpm/,
    )
    await expect(call('settings:update', { monitor: { windowSeconds: 0 } })).rejects.toThrow(
      /settings:update request: field 'monitor.windowSeconds'/,
    )
    await expect(call('settings:update', { modelPath: join(dataDir, 'missing.onnx') })).rejects.toThrow(/no usable model at that path/)
    const next = (await call('settings:update', { monitor: { alarms: { hrHighBpm: 170 } } })) as {
      monitor: { alarms: { hrHighBpm: number; hrLowBpm: number } }
    }
    expect(next.monitor.alarms).toMatchObject({ hrHighBpm: 170, hrLowBpm: 45 })
    const saved = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as typeof next
    expect(saved.monitor.alarms.hrHighBpm).toBe(170)

    // Moving the library elsewhere is remembered where the next start looks: the app's own folder.
    const elsewhere = join(dataDir, 'library-elsewhere')
    await call('settings:update', { dataDir: elsewhere })
    const restarted = testAppService(dataDir)
    try {
      const reloaded = (await dispatchApiRequest(restarted.handlers, 'settings:get', {})) as {
        dataDir: string
        monitor: { alarms: { hrHighBpm: number } }
      }
      expect(reloaded.dataDir).toBe(elsewhere)
      expect(reloaded.monitor.alarms.hrHighBpm).toBe(170)
    } finally {
      await restarted.dispose()
    }
  })

  it('follows hardware buttons: record toggle, mark, monitor toggle back to the last device', async () => {
    await call('devices:select', { id: 'demo:68303_AV.wav' })
    await until(() => monitorEvents('pcg').length >= 1, 30_000, 'strip-chart audio')
    await service.onHardwareAction('record-toggle')
    await until(async () => ((await call('recording:status')) as { elapsedS: number }).elapsedS > 0, 10_000, 'the recording to run')
    await service.onHardwareAction('mark')
    await service.onHardwareAction('record-toggle')
    const [session] = (await call('sessions:list', {})) as Array<{ annotationCount: number }>
    expect(session?.annotationCount).toBe(1)
    await service.onHardwareAction('monitor-toggle')
    expect(((await call('monitor:status')) as { state: string }).state).not.toBe('running')
    await service.onHardwareAction('monitor-toggle')
    expect(((await call('monitor:status')) as { state: string }).state).toBe('running')
    // A press that cannot be honoured becomes a visible, non-fatal error instead of a crash.
    await service.onHardwareAction('monitor-toggle')
    await service.onHardwareAction('record-toggle')
    const errors = monitorEvents('error') as Array<{ message: string; fatal: boolean }>
    expect(errors.some((e) => /button record-toggle: no signal source is running/.test(e.message) && !e.fatal)).toBe(true)
  }, 60_000)

  it('reports a recording that cannot be played as an error naming the file, and leaves no device active', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'ausculta-broken-'))
    try {
      // Not a WAV at all: what a renamed or truncated download looks like.
      writeFileSync(join(broken, 'broken.wav'), 'this is not a RIFF file')
      const brokenService = testAppService(dataDir, { samplesDir: broken })
      const statuses: unknown[] = []
      brokenService.onEvent((channel, payload) => {
        if (channel === 'event:monitor' && (payload as { type: string }).type === 'status') statuses.push(payload)
      })
      try {
        await expect(dispatchApiRequest(brokenService.handlers, 'devices:select', { id: 'demo:broken.wav' })).rejects.toMatchObject({
          name: 'SourceStartError',
          message: expect.stringMatching(/demo:broken\.wav: could not start: .*broken\.wav/),
        })
        // The screen learns why from the status itself: stopped, the source failed, its message.
        expect(statuses.at(-1)).toMatchObject({
          state: 'stopped',
          stopReason: { kind: 'source-failed', detail: expect.stringMatching(/broken\.wav/) },
        })
        await expect(dispatchApiRequest(brokenService.handlers, 'monitor:status', {})).resolves.toMatchObject({
          stopReason: { kind: 'source-failed' },
        })
        const devices = (await dispatchApiRequest(brokenService.handlers, 'devices:list', {})) as Array<{ active: boolean }>
        expect(devices.some((d) => d.active)).toBe(false)
      } finally {
        await brokenService.dispose()
      }
    } finally {
      rmSync(broken, { recursive: true, force: true })
    }
  })

  it('says why the stream stopped: the user, a switch to another source (the screen blanks in between)', async () => {
    const statuses = (): Array<{ state: string; sourceId: string | null; stopReason?: { kind: string } }> =>
      monitorEvents('status') as never
    await call('devices:select', { id: 'demo:50238_MV.wav' })
    await call('devices:select', { id: 'demo:68303_AV.wav' })
    const switched = statuses().filter((s) => s.state === 'stopped')
    expect(switched.map((s) => s.stopReason)).toEqual([{ kind: 'switching' }])
    expect(switched[0]?.sourceId).toMatch(/50238_MV\.wav$/)
    const stopped = (await call('monitor:stop')) as { state: string; stopReason?: { kind: string } }
    expect(stopped).toMatchObject({ state: 'stopped', stopReason: { kind: 'stopped' } })
    expect(statuses().at(-1)).toMatchObject({ state: 'stopped', stopReason: { kind: 'stopped' } })
  })

  it('refuses to record without a running source and to mark without a recording', async () => {
    await expect(call('recording:start', {})).rejects.toThrow(/no signal source is running/)
    await expect(call('recording:mark', {})).rejects.toThrow(/not recording/)
    await expect(call('recording:stop')).resolves.toBeNull()
  })
})
