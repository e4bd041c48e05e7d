/** The library list with a 4-point exam visit as one item, and the exam's words and numbers. */
import { describe, expect, it } from 'vitest'
import type { SessionSummary } from '../../src/core/api/contract'
import { clipLengthText, loadClipSeconds, savedText } from '../../src/renderer/src/lib/exam-format'
import { libraryItems } from '../../src/renderer/src/lib/visit-items'

function session(id: string, startedAt: string, location: SessionSummary['location'], visitId: string | null = null): SessionSummary {
  return {
    id,
    startedAt,
    durationS: 15,
    status: 'complete',
    location,
    patientId: visitId ? 'P-0042' : null,
    patientName: null,
    deviceName: 'Demo',
    meanHrBpm: 72,
    notes: '',
    annotationCount: 0,
    visitId,
  }
}

describe('libraryItems', () => {
  it('puts a visit where its newest session is, its sites in exam order, the latest take of a site first', () => {
    // Newest first, as sessions:list gives them: a loose recording, then a visit's clips (PV recorded twice).
    const sessions = [
      session('loose2', '2026-12-03T17:50:00Z', 'other'),
      session('pv2', '2026-12-03T17:40:00Z', 'PV', 'v1'),
      session('mv', '2026-12-03T17:39:00Z', 'MV', 'v1'),
      session('tv', '2026-12-03T17:38:00Z', 'TV', 'v1'),
      session('pv1', '2026-12-03T17:37:00Z', 'PV', 'v1'),
      session('av', '2026-12-03T17:36:00Z', 'AV', 'v1'),
      session('loose1', '2026-12-03T17:00:00Z', 'MV'),
    ]
    const items = libraryItems(sessions)
    expect(items.map((i) => i.key)).toEqual(['loose2', 'visit:v1', 'loose1'])
    const visit = items[1]!
    if (visit.kind !== 'visit') throw new Error('expected a visit item')
    expect(visit.startedAt).toBe('2026-12-03T17:36:00Z')
    expect(visit.patientId).toBe('P-0042')
    expect(visit.sites.map((s) => [s.point, s.takes.map((t) => t.id)])).toEqual([
      ['AV', ['av']],
      ['PV', ['pv2', 'pv1']],
      ['TV', ['tv']],
      ['MV', ['mv']],
    ])
  })

  it('a list without visits is unchanged; an unfinished visit lists only its recorded sites', () => {
    const plain = [session('a', '2026-12-03T10:00:00Z', 'MV'), session('b', '2026-12-03T09:00:00Z', 'AV')]
    expect(libraryItems(plain).map((i) => (i.kind === 'session' ? i.session.id : i.key))).toEqual(['a', 'b'])
    const partial = libraryItems([session('av', '2026-12-03T10:00:00Z', 'AV', 'v2')])
    expect(partial[0]!.kind === 'visit' && partial[0]!.sites.map((s) => s.point)).toEqual(['AV'])
  })
})

describe('exam words and numbers', () => {
  it('clip lengths read like a stopwatch, "Saved" names the site', () => {
    expect(clipLengthText(15)).toBe('0:15')
    expect(clipLengthText(14.999)).toBe('0:14')
    expect(clipLengthText(75.4)).toBe('1:15')
    expect(clipLengthText(null)).toBe('–:––')
    expect(savedText({ sessionId: 's', location: 'MV', durationS: 15, patientId: null, visitId: null })).toBe('Saved: Mitral, 0:15')
    expect(savedText({ sessionId: 's', location: 'other', durationS: 62, patientId: null, visitId: null })).toBe('Saved: Other site, 1:02')
  })

  it('the remembered clip length falls back to 15 s when missing or outside 2–120 s', () => {
    const stored = (value: string | null) => ({ getItem: () => value })
    expect(loadClipSeconds(stored(null))).toBe(15)
    expect(loadClipSeconds(stored('30'))).toBe(30)
    expect(loadClipSeconds(stored('1'))).toBe(15)
    expect(loadClipSeconds(stored('abc'))).toBe(15)
  })
})
