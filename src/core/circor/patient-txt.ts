/**
 * CirCor patient description (`<patient>.txt`):
 *   line 1: `<patient id> <number of recordings> <sample rate Hz>`
 *   then one line per recording: `<location> <file>.hea <file>.wav <file>.tsv`
 *   then `#Key: value` metadata lines (`#Age: Child`, `#Murmur: Present`, `#Additional ID: nan`).
 * Structural defects throw PatientTxtError naming the file, line and field.
 */
import { FormatError, InvalidArgumentError } from '../errors'
import { circorValue, patientMetadataFromFields, type PatientMetadata } from './patient-metadata'

export class PatientTxtError extends FormatError {}

export interface PatientRecordingEntry {
  /** AV, PV, TV, MV or Phc (see RecordingLocation); kept as written. */
  readonly location: string
  readonly heaFile: string
  readonly wavFile: string
  readonly tsvFile: string
  /** Recording name without extension, e.g. `84749_TV` (from the wav file name). */
  readonly recordingId: string
  readonly line: number
}

export interface PatientTxt {
  readonly patientId: string
  readonly sampleRateHz: number
  readonly recordings: readonly PatientRecordingEntry[]
  readonly metadata: PatientMetadata
}

export function parsePatientTxt(input: string | Uint8Array, sourceName = '<patient txt>'): PatientTxt {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${sourceName}: patient description must be text or bytes, got ${typeof input}`)
  }
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input)
  const lines = text.split(/\r\n|\n|\r/)
  const fail = (line: number, message: string): never => {
    throw new PatientTxtError(`${sourceName}:${line}: ${message}`)
  }
  const headerIndex = lines.findIndex((line) => line.trim() !== '')
  if (headerIndex < 0) fail(1, 'empty file (expected header `<patient id> <recordings> <sample rate>`)')
  const headerLine = headerIndex + 1
  const header = (lines[headerIndex] as string).trim().split(/\s+/)
  if (header.length !== 3)
    fail(
      headerLine,
      `header has ${header.length} fields, expected 3 (\`<patient id> <recordings> <sample rate>\`): '${lines[headerIndex]}'`,
    )
  const [patientId, countText, rateText] = header as [string, string, string]
  if (!/^\d+$/.test(patientId)) fail(headerLine, `patient id '${patientId}' is not a number`)
  if (!/^\d+$/.test(countText)) fail(headerLine, `recording count '${countText}' is not a whole number`)
  const sampleRateHz = Number(rateText)
  if (!/^\d+(\.\d+)?$/.test(rateText) || !(sampleRateHz > 0)) fail(headerLine, `sample rate '${rateText}' is not a positive number`)
  const expected = Number(countText)

  const recordings: PatientRecordingEntry[] = []
  const fields: Record<string, string | null> = {}
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = (lines[i] as string).trim()
    const line = i + 1
    if (raw === '') continue
    if (raw.startsWith('#')) {
      const colon = raw.indexOf(':')
      if (colon < 0) fail(line, `metadata line without ':': '${raw}'`)
      const key = raw.slice(1, colon).trim()
      if (key === '') fail(line, `metadata line without a key: '${raw}'`)
      fields[key] = circorValue(raw.slice(colon + 1))
      continue
    }
    if (Object.keys(fields).length > 0) fail(line, `recording line after the metadata: '${raw}'`)
    const columns = raw.split(/\s+/)
    if (columns.length !== 4)
      fail(line, `recording line has ${columns.length} fields, expected 4 (\`<location> <hea> <wav> <tsv>\`): '${raw}'`)
    const [location, heaFile, wavFile, tsvFile] = columns as [string, string, string, string]
    if (!/^[A-Za-z]+$/.test(location)) fail(line, `location '${location}' is not a location code (AV, PV, TV, MV, Phc)`)
    for (const [field, file, extension] of [
      ['hea', heaFile, '.hea'],
      ['wav', wavFile, '.wav'],
      ['tsv', tsvFile, '.tsv'],
    ] as const) {
      if (!file.toLowerCase().endsWith(extension)) fail(line, `${field} file '${file}' does not end in ${extension}`)
      if (file.includes('/') || file.includes('\\') || file.startsWith('.')) fail(line, `${field} file '${file}' is not a plain file name`)
    }
    recordings.push({ location, heaFile, wavFile, tsvFile, recordingId: wavFile.slice(0, -4), line })
  }
  if (recordings.length !== expected) fail(headerLine, `header announces ${expected} recordings, file lists ${recordings.length}`)
  const metadata = patientMetadataFromFields(fields, (field, value, what) =>
    fail(findLine(lines, field), `#${field}: '${value}' is not ${what}`),
  )
  return { patientId, sampleRateHz, recordings, metadata }
}

function findLine(lines: readonly string[], field: string): number {
  const index = lines.findIndex((line) => line.trim().startsWith(`#${field}:`))
  return index + 1
}
