/**
 * Coded concepts of a session in DICOM and FHIR: the auscultation site as a SNOMED CT body
 * structure (the valve whose area the chest piece was on), heart rate as LOINC 8867-4, per minute
 * in UCUM. One table so the DICOM object and the FHIR bundle say the same thing.
 */
import type { SessionLocation } from '../sessions/session-schema'

export interface Code {
  /** DICOM Coding Scheme Designator (SCT, LN, UCUM, DCM). */
  scheme: 'SCT' | 'LN' | 'UCUM' | 'DCM'
  value: string
  meaning: string
}

export const SITE_CODES: Readonly<Record<SessionLocation, Code>> = {
  AV: { scheme: 'SCT', value: '34202007', meaning: 'Aortic valve structure' },
  PV: { scheme: 'SCT', value: '39057004', meaning: 'Pulmonary valve structure' },
  TV: { scheme: 'SCT', value: '46030003', meaning: 'Tricuspid valve structure' },
  MV: { scheme: 'SCT', value: '91134007', meaning: 'Mitral valve structure' },
  other: { scheme: 'SCT', value: '80891009', meaning: 'Heart structure' },
}

/** What people call the sites: the auscultation areas. */
export const SITE_TEXT: Readonly<Record<SessionLocation, string>> = {
  AV: 'aortic area (AV)',
  PV: 'pulmonary area (PV)',
  TV: 'tricuspid area (TV)',
  MV: 'mitral area (MV)',
  other: 'other site',
}

export const FINDING_SITE: Code = { scheme: 'SCT', value: '363698007', meaning: 'Finding site' }
export const COMMENT: Code = { scheme: 'DCM', value: '121106', meaning: 'Comment' }
export const HEART_RATE: Code = { scheme: 'LN', value: '8867-4', meaning: 'Heart rate' }
export const PER_MINUTE: Code = { scheme: 'UCUM', value: '/min', meaning: 'per minute' }

export function siteForCode(scheme: string, value: string): SessionLocation | undefined {
  const found = Object.entries(SITE_CODES).find(([, code]) => code.scheme === scheme && code.value === value)
  return found?.[0] as SessionLocation | undefined
}

/** FHIR code system URIs of the DICOM scheme designators. */
export const FHIR_SYSTEMS: Readonly<Record<Code['scheme'], string>> = {
  SCT: 'http://snomed.info/sct',
  LN: 'http://loinc.org',
  UCUM: 'http://unitsofmeasure.org',
  DCM: 'http://dicom.nema.org/resources/ontology/DCM',
}
