import { describe, expect, it } from 'vitest'
import { filterSessions } from '../../../src/core/sessions/library-filter'
import type { SessionMeta } from '../../../src/core/sessions/session-schema'
import { sampleMeta } from './fixtures'

function meta(id: string, changes: Partial<SessionMeta>): SessionMeta {
  return { ...sampleMeta, id, notes: '', ...changes }
}

const sessions = [
  meta('s1', {
    startedAt: '2026-11-01T10:00:00.000Z',
    location: 'AV',
    patient: { id: 'P-1', name: 'Ana' },
    hrSummary: { windows: 5, minBpm: 60, maxBpm: 70, meanBpm: 65 },
  }),
  meta('s2', {
    startedAt: '2026-11-02T10:00:00.000Z',
    location: 'MV',
    patient: { id: 'P-2', name: 'Bruno' },
    hrSummary: { windows: 5, minBpm: 110, maxBpm: 130, meanBpm: 120 },
  }),
  meta('s3', {
    startedAt: '2026-11-03T10:00:00.000Z',
    location: 'MV',
    patient: { id: 'P-1', name: 'Ana' },
    hrSummary: null,
    notes: 'murmur grade II',
  }),
]

describe('library filter', () => {
  it('lists newest first', () => {
    expect(filterSessions(sessions, {}).map((s) => s.id)).toEqual(['s3', 's2', 's1'])
  })
  it('searches patient name, id and notes case-insensitively', () => {
    expect(filterSessions(sessions, { text: 'ana' }).map((s) => s.id)).toEqual(['s3', 's1'])
    expect(filterSessions(sessions, { text: 'MURMUR' }).map((s) => s.id)).toEqual(['s3'])
    expect(filterSessions(sessions, { patientId: 'P-2' }).map((s) => s.id)).toEqual(['s2'])
  })
  it('filters by date, location and HR range', () => {
    expect(filterSessions(sessions, { from: '2026-11-02T00:00:00Z', to: new Date('2026-11-02T23:59:59Z') }).map((s) => s.id)).toEqual([
      's2',
    ])
    expect(filterSessions(sessions, { locations: ['MV'] }).map((s) => s.id)).toEqual(['s3', 's2'])
    // Tachycardia filter: s3 has no HR summary and must not match an HR bound.
    expect(filterSessions(sessions, { hrMinBpm: 100 }).map((s) => s.id)).toEqual(['s2'])
    expect(filterSessions(sessions, { hrMaxBpm: 100 }).map((s) => s.id)).toEqual(['s1'])
  })
})
