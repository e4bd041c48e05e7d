/** Words for the PACS list (kept out of the component so they are tested on their own). */
import type { PacsSeriesRowView } from '../../../../core/api/pacs-contract'

/** "Zoë Ångström · MRN-0042", or what there is of it. */
export function pacsPatient(row: PacsSeriesRowView): string {
  return [row.patientName.replace(/\^+/g, ' ').trim(), row.patientId].filter((s) => s !== '').join(' · ') || 'No patient'
}

/** Local date and time of the recording, or "date unknown". */
export function pacsWhen(row: PacsSeriesRowView, locale?: string): string {
  if (!row.startedAt) return 'date unknown'
  const date = new Date(row.startedAt)
  return Number.isNaN(date.getTime()) ? 'date unknown' : date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
}

/** "Heart sounds, mitral area (MV) · from ward-laptop-3". */
export function pacsWhat(row: PacsSeriesRowView): string {
  return [row.description || 'Heart sounds', row.station ? `from ${row.station}` : ''].filter((s) => s !== '').join(' · ')
}
