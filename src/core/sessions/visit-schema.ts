/**
 * A visit: one guided 4-point exam (AV, PV, TV, MV), one recording per point. Stored as
 * <dataDir>/visits/<id>.json; each of its sessions also carries the visitId in session.json,
 * so either side can be rebuilt from the other.
 */
import { z } from 'zod'
import { corruptSession } from './session-errors'
import { parseJsonWith } from '../zod-issue'
import { EXAM_POINTS, SESSION_ID_PATTERN, examPointSchema, patientSchema, type ExamPoint } from './session-schema'

/** The guided order: aortic, pulmonic, tricuspid, mitral (base to apex). */
export { EXAM_POINTS, type ExamPoint } from './session-schema'

export const visitSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string().regex(SESSION_ID_PATTERN),
  createdAt: z.iso.datetime({ offset: true }),
  patient: patientSchema,
  /** Session id recorded at each point, null until recorded (a re-recording replaces the pointer). */
  /** Every site, each with the session recorded there (null until it is). */
  points: z.record(examPointSchema, z.string().regex(SESSION_ID_PATTERN).nullable()),
  notes: z.string(),
})
export type Visit = z.infer<typeof visitSchema>

export function parseVisit(text: string, file: string): Visit {
  return parseJsonWith(visitSchema, text, corruptSession(file))
}

/** Next point to record in the guided order, or null when all four are done. */
export function nextExamPoint(visit: Visit): ExamPoint | null {
  return EXAM_POINTS.find((p) => visit.points[p] === null) ?? null
}

export function isExamComplete(visit: Visit): boolean {
  return nextExamPoint(visit) === null
}
