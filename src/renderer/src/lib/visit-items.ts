/**
 * The library list with each 4-point exam visit as one item (issue 16, item 5): the sessions of a
 * visit are gathered where its newest one would be listed, by site in the exam's order, the
 * latest take of each site first (a site recorded again keeps its earlier take in the library).
 */
import type { SessionSummary } from '../../../core/api/contract'
import { EXAM_POINTS, type ExamPoint } from '../../../core/sessions/visit-schema'

export interface VisitSite {
  point: ExamPoint
  /** Newest first: the first is the take the visit points at. */
  takes: SessionSummary[]
}

export interface VisitItem {
  kind: 'visit'
  key: string
  visitId: string
  patientId: string | null
  patientName: string | null
  /** When the exam began (its first recording). */
  startedAt: string
  sites: VisitSite[]
}

export type LibraryItem = { kind: 'session'; key: string; session: SessionSummary } | VisitItem

/** `sessions` in the library's order (newest first); visits take the place of their newest session. */
export function libraryItems(sessions: readonly SessionSummary[]): LibraryItem[] {
  const byVisit = new Map<string, SessionSummary[]>()
  for (const s of sessions) {
    if (!s.visitId) continue
    const list = byVisit.get(s.visitId) ?? []
    list.push(s)
    byVisit.set(s.visitId, list)
  }
  const items: LibraryItem[] = []
  for (const s of sessions) {
    if (!s.visitId) {
      items.push({ kind: 'session', key: s.id, session: s })
      continue
    }
    const members = byVisit.get(s.visitId)
    if (!members) continue // already placed
    byVisit.delete(s.visitId)
    const newestFirst = [...members].sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    const sites: VisitSite[] = []
    for (const point of EXAM_POINTS) {
      const takes = newestFirst.filter((m) => m.location === point)
      if (takes.length > 0) sites.push({ point, takes })
    }
    const first = newestFirst[newestFirst.length - 1]!
    items.push({
      kind: 'visit',
      key: `visit:${s.visitId}`,
      visitId: s.visitId,
      patientId: first.patientId,
      patientName: first.patientName,
      startedAt: first.startedAt,
      sites,
    })
  }
  return items
}
