/**
 * The API's guided 4-point exam channels (part of the contract in contract.ts): a visit is one
 * patient's exam, Aortic → Pulmonic → Tricuspid → Mitral, one timed clip per site
 * (src/core/sessions/visit-schema.ts on disk, src/main/api/exam-controller.ts behind the API).
 */
import { z } from 'zod'
import { examPointSchema } from '../sessions/session-schema'

export { examPointSchema }

/**
 * Clip length of one site. 15 s by default (three of the protocol's 5-s windows, a dozen beats
 * at any resting rate); 2 s at least (two beats at 60 bpm: shorter holds no interval), 120 s at most.
 */
export const EXAM_CLIP_SECONDS = { min: 2, max: 120, default: 15 } as const

/** The recording filed at one site of a visit. */
export const visitPointInfoSchema = z.object({
  sessionId: z.string(),
  startedAt: z.string().nullable(),
  /** null when the session is no longer in the library (deleted by hand). */
  durationS: z.number().nonnegative().nullable(),
  meanHrBpm: z.number().nullable(),
})

export const visitInfoSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  points: z.object({
    AV: visitPointInfoSchema.nullable(),
    PV: visitPointInfoSchema.nullable(),
    TV: visitPointInfoSchema.nullable(),
    MV: visitPointInfoSchema.nullable(),
  }),
  /** The next site in the guided order without a recording; null when all four have one. */
  nextPoint: examPointSchema.nullable(),
  notes: z.string(),
})

const visitIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a visit id from visits:list')

export const VISIT_METHODS = {
  /** A new visit for a patient (the id is required: a visit without one cannot be found again). */
  'visits:start': {
    request: z.object({ patientId: z.string().trim().min(1).max(128), patientName: z.string().trim().max(256).optional() }),
    response: visitInfoSchema,
  },
  'visits:get': { request: z.object({ id: visitIdSchema }), response: visitInfoSchema },
  /** Every visit, newest first. */
  'visits:list': { request: z.object({}).strict(), response: z.array(visitInfoSchema) },
  /**
   * Records one site's clip on the running source: it stops by itself after `clipS` seconds of
   * audio and is filed at that site of the visit (a site recorded again points at the new clip;
   * the old one stays in the library).
   */
  'visits:record': {
    request: z.object({
      id: visitIdSchema,
      point: examPointSchema,
      clipS: z.number().min(EXAM_CLIP_SECONDS.min).max(EXAM_CLIP_SECONDS.max).default(EXAM_CLIP_SECONDS.default),
    }),
    response: z.object({ sessionId: z.string() }),
  },
} as const

export type ExamPointName = z.output<typeof examPointSchema>
export type VisitInfo = z.output<typeof visitInfoSchema>
export type VisitPointInfo = z.output<typeof visitPointInfoSchema>

/** Site names as a clinician says them. */
export const EXAM_POINT_NAMES: Readonly<Record<ExamPointName | 'other', string>> = {
  AV: 'Aortic',
  PV: 'Pulmonic',
  TV: 'Tricuspid',
  MV: 'Mitral',
  other: 'Other site',
}
