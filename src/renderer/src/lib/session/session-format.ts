/**
 * How the library names and describes sessions in a clinician's words: "P-0042 · Mitral ·
 * 3 Dec 17:34" (local time, site names), durations as a clock.
 */
import type { SessionSummary } from '../../../../core/api/contract'
import { EXAM_POINT_NAMES } from '../../../../core/api/visit-contract'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** "3 Dec 17:34" in local time; the year only when it is not this year's. */
export function localWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  const year = d.getFullYear() === now.getFullYear() ? '' : ` ${d.getFullYear()}`
  return `${d.getDate()} ${MONTHS[d.getMonth()]}${year} ${hm}`
}

export function siteName(location: SessionSummary['location']): string {
  return EXAM_POINT_NAMES[location]
}

/** "P-0042 · Mitral · 3 Dec 17:34"; without a patient, "No patient · …". */
export function sessionTitle(s: Pick<SessionSummary, 'patientId' | 'patientName' | 'location' | 'startedAt'>, now?: Date): string {
  const who = s.patientId ?? s.patientName ?? 'No patient'
  return `${who} · ${siteName(s.location)} · ${localWhen(s.startedAt, now)}`
}

/** m:ss.ss, or h:mm:ss.ss past an hour. */
export function fmtTime(s: number): string {
  const seconds = (s % 60).toFixed(2).padStart(5, '0')
  if (s < 3600) return `${Math.floor(s / 60)}:${seconds}`
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${seconds}`
}

/** The list's second line: duration, mean HR, annotations, patient name where the title shows the id. */
export function describeSession(s: SessionSummary): string {
  const parts = [s.durationS < 60 ? `${s.durationS.toFixed(1)} s` : fmtTime(s.durationS).replace(/\.\d+$/, '')]
  if (s.meanHrBpm !== null) parts.push(`mean ${Math.round(s.meanHrBpm)} bpm`)
  if (s.annotationCount > 0) parts.push(`${s.annotationCount} annotation${s.annotationCount === 1 ? '' : 's'}`)
  if (s.patientId !== null && s.patientName !== null) parts.push(s.patientName)
  return parts.join(' · ')
}
