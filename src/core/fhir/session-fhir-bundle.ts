/**
 * A session as an HL7 FHIR R4 transaction Bundle: the Patient, one vital-signs Observation per HR
 * point (LOINC 8867-4, valueQuantity in UCUM /min; a window without a reliable HR is an
 * Observation with a dataAbsentReason, so the trace's gaps are not lost), and a Media (R4) for the
 * recording, the WAV inline as base64 or by URL. POSTing the bundle to a FHIR server's base
 * creates them all; the Patient is created only if none has the same identifier.
 * Pure: UUIDs and times come from the caller. Checked against the official fhir.schema.json in
 * tests (docs/sharing.md).
 */
import { InvalidArgumentError } from '../errors'
import type { HrTraceEntry } from '../sessions/hr-trace'
import type { SessionMeta } from '../sessions/session-schema'
import { FHIR_SYSTEMS, HEART_RATE, SITE_CODES, SITE_TEXT, type Code } from '../dicom/session-site-codes'

export interface FhirCoding {
  system: string
  code: string
  display?: string
}
export interface FhirCodeableConcept {
  coding?: FhirCoding[]
  text?: string
}
export interface FhirReference {
  reference: string
  display?: string
}
export type FhirResource = { resourceType: string } & Record<string, unknown>
export interface FhirBundleEntry {
  fullUrl: string
  resource: FhirResource
  request: { method: 'POST'; url: string; ifNoneExist?: string }
}
export interface FhirBundle {
  resourceType: 'Bundle'
  identifier: { system: string; value: string }
  type: 'transaction'
  timestamp: string
  entry: FhirBundleEntry[]
}

/** The WAV: inline bytes (base64) or where it can be fetched, with its size and SHA-1 (base64). */
export type FhirAudio = { data: string; size: number; sha1Base64: string } | { url: string; size: number; sha1Base64: string }

export interface FhirBundleInput {
  meta: SessionMeta
  trace: readonly HrTraceEntry[]
  audio: FhirAudio
  now: Date
  /** Fresh UUIDs for the bundle and its resources (crypto.randomUUID in the app, fixed in tests). */
  uuid: () => string
  /** The session's DICOM series, so the Media names the object a PACS holds. */
  dicomSeriesUid?: string
}

function coding(code: Code): FhirCoding {
  return { system: FHIR_SYSTEMS[code.scheme], code: code.value, display: code.meaning }
}

const GENDER = { female: 'female', male: 'male', other: 'other' } as const

/** FHIR instant/dateTime of the session start plus `offsetS` seconds. */
function at(startedAt: string, offsetS: number): string {
  const ms = new Date(startedAt).getTime() + offsetS * 1000
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`startedAt: ${JSON.stringify(startedAt)} is not a time`)
  return new Date(ms).toISOString()
}

export function sessionFhirBundle(input: FhirBundleInput): FhirBundle {
  const { meta, trace, audio } = input
  const urn = (): string => `urn:uuid:${input.uuid()}`
  const patientUrl = urn()
  const mediaUrl = urn()
  const subject: FhirReference = { reference: patientUrl, ...(meta.patient.name ? { display: meta.patient.name } : {}) }
  const bodySite: FhirCodeableConcept = {
    coding: [coding(SITE_CODES[meta.location])],
    text: meta.location === 'other' && meta.locationDetail ? meta.locationDetail : SITE_TEXT[meta.location],
  }

  const patient: FhirResource = {
    resourceType: 'Patient',
    ...(meta.patient.id ? { identifier: [{ value: meta.patient.id }] } : {}),
    ...(meta.patient.name ? { name: [{ text: meta.patient.name }] } : {}),
    ...(meta.patient.sex ? { gender: GENDER[meta.patient.sex] } : {}),
  }

  const durationS = meta.audio.durationS
  const media: FhirResource = {
    resourceType: 'Media',
    identifier: [
      { system: 'urn:ietf:rfc:3986', value: `urn:ausculta:session:${meta.id}` },
      ...(input.dicomSeriesUid ? [{ system: 'urn:dicom:uid', value: `urn:oid:${input.dicomSeriesUid}` }] : []),
    ],
    status: 'completed',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'audio', display: 'Audio' }] },
    subject,
    createdPeriod: {
      start: at(meta.startedAt, 0),
      end: meta.endedAt ? new Date(meta.endedAt).toISOString() : at(meta.startedAt, durationS),
    },
    issued: input.now.toISOString(),
    bodySite,
    deviceName: meta.device.name,
    duration: durationS,
    content: {
      contentType: 'audio/wav',
      ...('data' in audio ? { data: audio.data } : { url: audio.url }),
      size: audio.size,
      hash: audio.sha1Base64,
      title: `Heart sounds ${meta.location} ${meta.startedAt}`,
      creation: at(meta.startedAt, 0),
    },
    ...(meta.notes ? { note: [{ text: meta.notes }] } : {}),
  }

  const observations: FhirBundleEntry[] = trace.map((entry) => ({
    fullUrl: urn(),
    request: { method: 'POST', url: 'Observation' },
    resource: {
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }],
        },
      ],
      code: { coding: [coding(HEART_RATE)], text: 'Heart rate' },
      subject,
      effectiveDateTime: at(meta.startedAt, entry.timeS),
      ...(entry.hrBpm === null
        ? {
            dataAbsentReason: {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown', display: 'Unknown' }],
              text: 'No reliable heart rate in this window',
            },
          }
        : { valueQuantity: { value: entry.hrBpm, unit: '/min', system: FHIR_SYSTEMS.UCUM, code: '/min' } }),
      bodySite,
      method: { text: `Heart sounds (PCG), ${meta.modelId ?? 'classical estimator'}` },
      derivedFrom: [{ reference: mediaUrl }],
    },
  }))

  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: urn() },
    type: 'transaction',
    timestamp: input.now.toISOString(),
    entry: [
      {
        fullUrl: patientUrl,
        resource: patient,
        request: {
          method: 'POST',
          url: 'Patient',
          ...(meta.patient.id ? { ifNoneExist: `identifier=${encodeURIComponent(meta.patient.id)}` } : {}),
        },
      },
      { fullUrl: mediaUrl, resource: media, request: { method: 'POST', url: 'Media' } },
      ...observations,
    ],
  }
}
