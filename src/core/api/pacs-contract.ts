/**
 * The PACS through the app API (issue 18, docs/sharing.md): where it is, send a session, list the
 * heart-sound series any laptop sent, fetch one into the library. The password goes in and never
 * comes back out (`hasPassword` says whether one is set).
 */
import { z } from 'zod'

export const pacsSettingsViewSchema = z.object({
  /** DICOMweb root, e.g. http://pacs.local:8042/dicom-web; null: no PACS configured. */
  url: z.string().nullable(),
  username: z.string().nullable(),
  hasPassword: z.boolean(),
})

export const pacsConfigureSchema = z.object({
  url: z.string().trim().max(2048).nullable(),
  username: z.string().max(256).optional(),
  /** Absent: keep the stored password; '' clears it. */
  password: z.string().max(1024).optional(),
})

export const pacsSeriesRowSchema = z.object({
  studyUid: z.string(),
  seriesUid: z.string(),
  patientName: z.string(),
  patientId: z.string(),
  startedAt: z.string(),
  description: z.string(),
  station: z.string(),
  instances: z.number(),
  /** The series is one of this library's sessions (sent from here or fetched already). */
  inLibrary: z.boolean(),
})

const dicomDate = z.string().regex(/^\d{8}(-\d{8})?$/, 'a date yyyymmdd or a range yyyymmdd-yyyymmdd')

export const pacsListRequestSchema = z.object({
  patientId: z.string().max(64).optional(),
  date: dicomDate.optional(),
})

const uid = z.string().regex(/^\d+(\.\d+)+$/, 'a DICOM UID')

export const PACS_METHODS = {
  'pacs:settings': { request: z.object({}).strict(), response: pacsSettingsViewSchema },
  'pacs:configure': { request: pacsConfigureSchema, response: pacsSettingsViewSchema },
  'pacs:send': { request: z.object({ sessionId: z.string() }), response: z.object({ sessionId: z.string(), sopInstanceUid: z.string() }) },
  'pacs:list': { request: pacsListRequestSchema, response: z.object({ url: z.string(), series: z.array(pacsSeriesRowSchema) }) },
  'pacs:fetch': {
    request: z.object({ seriesUid: uid, studyUid: uid.optional() }),
    response: z.object({ sessionId: z.string(), alreadyPresent: z.boolean() }),
  },
} as const

export type PacsSettingsView = z.output<typeof pacsSettingsViewSchema>
export type PacsSeriesRowView = z.output<typeof pacsSeriesRowSchema>
