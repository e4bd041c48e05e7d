/**
 * The guided 4-point exam through the API (issue 16, item 5): a visit for a patient, one timed
 * clip per site in the order Aortic → Pulmonic → Tricuspid → Mitral, each stopping by itself at
 * its length and filed at its site, a site recorded again, the visit listed. Real app service,
 * real Monitor (no model), the demo source at 8× real time, the real recorder on a temp folder.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dispatchApiRequest, type ApiEventChannel, type RecordingStatus, type SessionSummary } from '../../../src/core/api/contract'
import type { VisitInfo } from '../../../src/core/api/visit-contract'
import type { AppService } from '../../../src/main/api/app-service'
import { startTestApp, stopTestApp, until } from '../../helpers/app-service'

let dataDir: string
let service: AppService
let events: Array<{ channel: ApiEventChannel; payload: unknown }>

function call<T>(channel: string, request: unknown = {}): Promise<T> {
  return dispatchApiRequest(service.handlers, channel, request) as Promise<T>
}

beforeEach(() => {
  ;({ dataDir, service, events } = startTestApp('ausculta-exam-'))
})
afterEach(() => stopTestApp({ dataDir, service }))

/** Records one site's clip and waits until it has stopped by itself and is filed. */
async function recordSite(visitId: string, point: 'AV' | 'PV' | 'TV' | 'MV', clipS: number): Promise<RecordingStatus> {
  const { sessionId } = await call<{ sessionId: string }>('visits:record', { id: visitId, point, clipS })
  expect(sessionId).not.toBe('')
  let saved: RecordingStatus | undefined
  await until(
    () => {
      saved = events
        .filter((e) => e.channel === 'event:recording')
        .map((e) => e.payload as RecordingStatus)
        .find((s) => !s.recording && s.lastSaved?.sessionId === sessionId)
      return saved !== undefined
    },
    20_000,
    `the ${point} clip to stop by itself`,
  )
  return saved!
}

describe('visits: the guided 4-point exam', () => {
  it('walks Aortic → Pulmonic → Tricuspid → Mitral with timed clips, redoes one site and lists the visit', async () => {
    await call('devices:select', { id: 'demo:50238_MV.wav' })
    await expect(call('visits:start', { patientId: '  ' })).rejects.toThrow(/patientId/)
    let visit = await call<VisitInfo>('visits:start', { patientId: 'P-0042', patientName: 'Ada L.' })
    expect(visit).toMatchObject({ patientId: 'P-0042', patientName: 'Ada L.', nextPoint: 'AV' })
    expect(Object.values(visit.points).every((p) => p === null)).toBe(true)

    for (const point of ['AV', 'PV', 'TV', 'MV'] as const) {
      expect(visit.nextPoint).toBe(point)
      const saved = await recordSite(visit.id, point, 2)
      // Exactly the clip's length: the chunk that crosses 2 s is cut there (4 kHz: 8000 frames).
      expect(saved.lastSaved).toMatchObject({ location: point, durationS: 2, patientId: 'P-0042', visitId: visit.id })
      visit = await call<VisitInfo>('visits:get', { id: visit.id })
      expect(visit.points[point]).toMatchObject({ sessionId: saved.lastSaved!.sessionId, durationS: 2 })
    }
    expect(visit.nextPoint).toBeNull()

    // Redo the pulmonic site: the visit points at the new clip, the old one stays in the library.
    const oldPv = visit.points.PV!.sessionId
    const redo = await recordSite(visit.id, 'PV', 3)
    visit = await call<VisitInfo>('visits:get', { id: visit.id })
    expect(visit.points.PV).toMatchObject({ sessionId: redo.lastSaved!.sessionId, durationS: 3 })
    expect(visit.points.PV!.sessionId).not.toBe(oldPv)

    const sessions = await call<SessionSummary[]>('sessions:list', {})
    expect(sessions).toHaveLength(5)
    expect(sessions.every((s) => s.visitId === visit.id && s.patientId === 'P-0042')).toBe(true)
    expect(sessions.map((s) => s.location).sort()).toEqual(['AV', 'MV', 'PV', 'PV', 'TV'])
    const visits = await call<VisitInfo[]>('visits:list', {})
    expect(visits.map((v) => v.id)).toEqual([visit.id])
  })

  it('refuses a clip without a running source, of an unknown visit, or of an impossible length', async () => {
    const visit = await call<VisitInfo>('visits:start', { patientId: 'P-1' })
    await expect(call('visits:record', { id: visit.id, point: 'AV' })).rejects.toThrow(/no signal source/)
    await call('devices:select', { id: 'demo:50238_MV.wav' })
    await expect(call('visits:record', { id: 'nope', point: 'AV' })).rejects.toThrow(/visit nope/)
    await expect(call('visits:record', { id: visit.id, point: 'AV', clipS: 1 })).rejects.toThrow(/clipS/)
    await expect(call('visits:record', { id: visit.id, point: 'XX' })).rejects.toThrow(/point/)
    // A manual recording (top bar) is not part of any visit.
    await call('recording:start', { location: 'MV' })
    const summary = await call<SessionSummary>('recording:stop', {})
    expect(summary.visitId).toBeNull()
    expect((await call<VisitInfo>('visits:get', { id: visit.id })).points.MV).toBeNull()
  })
})
