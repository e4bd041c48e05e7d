/**
 * Search and filter over session metadata (the library view): pure, so the same query runs on
 * the list the store read from disk, in the CLI or in the renderer.
 */
import type { SessionLocation, SessionMeta, SessionStatus } from './session-schema'

export interface SessionQuery {
  /** Case-insensitive substring of patient id or name, session id or notes. */
  text?: string
  patientId?: string
  /** Inclusive bounds on the start time (ISO 8601 or Date). */
  from?: string | Date
  to?: string | Date
  locations?: readonly SessionLocation[]
  /** Bounds on the session's mean HR; sessions without an HR summary never match an HR bound. */
  hrMinBpm?: number
  hrMaxBpm?: number
  statuses?: readonly SessionStatus[]
  visitId?: string
}

function toMs(value: string | Date): number {
  return value instanceof Date ? value.getTime() : Date.parse(value)
}

export function sessionMatches(meta: SessionMeta, query: SessionQuery): boolean {
  if (query.text !== undefined && query.text.trim() !== '') {
    const needle = query.text.trim().toLowerCase()
    const haystack = [meta.id, meta.patient.id ?? '', meta.patient.name ?? '', meta.notes].join('\n').toLowerCase()
    if (!haystack.includes(needle)) return false
  }
  if (query.patientId !== undefined && meta.patient.id !== query.patientId) return false
  const startedMs = Date.parse(meta.startedAt)
  if (query.from !== undefined && startedMs < toMs(query.from)) return false
  if (query.to !== undefined && startedMs > toMs(query.to)) return false
  if (query.locations !== undefined && !query.locations.includes(meta.location)) return false
  if (query.statuses !== undefined && !query.statuses.includes(meta.status)) return false
  if (query.visitId !== undefined && meta.visitId !== query.visitId) return false
  if (query.hrMinBpm !== undefined || query.hrMaxBpm !== undefined) {
    const mean = meta.hrSummary?.meanBpm
    if (mean === undefined) return false
    if (query.hrMinBpm !== undefined && mean < query.hrMinBpm) return false
    if (query.hrMaxBpm !== undefined && mean > query.hrMaxBpm) return false
  }
  return true
}

/** Matching sessions, newest first. */
export function filterSessions(sessions: readonly SessionMeta[], query: SessionQuery): SessionMeta[] {
  return sessions
    .filter((s) => sessionMatches(s, query))
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.id.localeCompare(b.id))
}
