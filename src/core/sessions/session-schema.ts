/**
 * session.json: what one auscultation is (patient, site, device, timing, audio layout, model) and
 * where it stands (recording / complete / repaired). Validated with zod on every read because the
 * folder lives on the user's disk and may have been edited by hand.
 */
import { z } from 'zod'
import { corruptSession } from './session-errors'
import { parseJsonWith, validateWith } from '../zod-issue'

export const SESSION_SCHEMA_VERSION = 1

/** The four sites of the auscultation exam: aortic, pulmonic, tricuspid, mitral (the one list of them). */
export const examPointSchema = z.enum(['AV', 'PV', 'TV', 'MV'])
export type ExamPoint = z.infer<typeof examPointSchema>
export const EXAM_POINTS = examPointSchema.options

/** Auscultation sites of the 4-point exam plus a free "other" (detail in `locationDetail`). */
export const sessionLocationSchema = z.enum([...EXAM_POINTS, 'other'])
export type SessionLocation = z.infer<typeof sessionLocationSchema>
export const SESSION_LOCATIONS = sessionLocationSchema.options

/** CirCor's age groups plus "adult", the app's users being not only paediatric. */
export const AGE_GROUPS = ['neonate', 'infant', 'child', 'adolescent', 'young-adult', 'adult'] as const
export type AgeGroup = (typeof AGE_GROUPS)[number]

export const SEXES = ['female', 'male', 'other'] as const
export type Sex = (typeof SEXES)[number]

export const SESSION_STATUSES = ['recording', 'complete', 'repaired'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

/** Ids become folder names: keep them to a portable, path-safe alphabet. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

const isoTime = z.iso.datetime({ offset: true })

export const patientSchema = z.looseObject({
  id: z.string().max(128).optional(),
  name: z.string().max(256).optional(),
  ageGroup: z.enum(AGE_GROUPS).optional(),
  sex: z.enum(SEXES).optional(),
})
export type Patient = z.infer<typeof patientSchema>

export const hrSummarySchema = z.object({
  windows: z.number().int().nonnegative(),
  minBpm: z.number().positive(),
  maxBpm: z.number().positive(),
  meanBpm: z.number().positive(),
})
export type HrSummary = z.infer<typeof hrSummarySchema>

export const sessionMetaSchema = z.looseObject({
  schemaVersion: z.literal(SESSION_SCHEMA_VERSION),
  id: z.string().regex(SESSION_ID_PATTERN),
  status: z.enum(SESSION_STATUSES),
  startedAt: isoTime,
  endedAt: isoTime.optional(),
  patient: patientSchema,
  location: sessionLocationSchema,
  locationDetail: z.string().max(128).optional(),
  device: z.object({ id: z.string(), name: z.string() }),
  sampleRateHz: z.number().int().positive().max(384_000),
  modelId: z.string().nullable(),
  visitId: z.string().regex(SESSION_ID_PATTERN).optional(),
  audio: z.object({
    file: z.literal('audio.wav'),
    sampleFormat: z.enum(['float32', 'pcm16']),
    channels: z.literal(1),
    frames: z.number().int().nonnegative(),
    durationS: z.number().nonnegative(),
  }),
  hrSummary: hrSummarySchema.nullable().optional(),
  notes: z.string(),
  /** Attribution the audio's licence requires (e.g. CirCor's ODC-By line for a demo recording). */
  attribution: z.string().optional(),
  /** Stretches where the source skipped samples; the recorder wrote silence to keep time aligned. */
  dropouts: z.array(z.object({ atS: z.number().nonnegative(), samples: z.number().int().positive() })).optional(),
  /**
   * Process that recorded the session (informational). Whether a recording is live is decided by
   * the lock its recorder holds (src/main/sessions/recorder-lock.ts), never by this pid: pids are
   * reused, most of all after a reboot.
   */
  recorderPid: z.number().int().positive().optional(),
  /** What start-up repair did to this session, so nothing happens to a recording silently. */
  repairs: z.array(z.object({ at: isoTime, action: z.string() })),
})
export type SessionMeta = z.infer<typeof sessionMetaSchema>

/** Validates an already-parsed value; `file` names the source in any error. */
export function validateSessionMeta(value: unknown, file: string): SessionMeta {
  return validateWith(sessionMetaSchema, value, corruptSession(file))
}

/** Parses session.json text; bad JSON and schema violations become CorruptSessionError. */
export function parseSessionMeta(text: string, file: string): SessionMeta {
  return parseJsonWith(sessionMetaSchema, text, corruptSession(file))
}

export function formatSessionMeta(meta: SessionMeta): string {
  return `${JSON.stringify(meta, null, 2)}\n`
}
