/**
 * CirCor `training_data.csv`: one row per patient, comma-separated with a header row, RFC 4180
 * quoting allowed (a quoted field may hold commas, doubled quotes and line breaks; csv-parse reads it); `nan` → null.
 * Structural defects throw TrainingCsvError naming the file, line and field.
 */
import { CsvError, parse } from 'csv-parse/sync'
import { FormatError, InvalidArgumentError } from '../errors'
import { circorValue, patientMetadataFromFields, type PatientMetadata } from './patient-metadata'

export class TrainingCsvError extends FormatError {}

export interface TrainingCsvPatient {
  readonly patientId: string
  /** `Recording locations:` split on '+', e.g. ['AV', 'PV', 'TV', 'MV']. */
  readonly locations: readonly string[]
  readonly metadata: PatientMetadata
  /** 1-based line where the row starts. */
  readonly line: number
}

export interface TrainingCsv {
  readonly columns: readonly string[]
  readonly patients: readonly TrainingCsvPatient[]
}

interface CsvRecord {
  readonly line: number
  readonly fields: string[]
}

/** RFC 4180 records (csv-parse) with the line each starts on: where it ends, less the line breaks inside its quoted fields. */
function csvRecords(text: string, sourceName: string): CsvRecord[] {
  let rows: Array<{ record: string[]; info: { lines: number } }>
  try {
    // With `info`, each row comes as { record, info } (the types of csv-parse/sync do not say so).
    rows = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as typeof rows
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const line = (error as CsvError & { lines?: number }).lines ?? 1
    const what: Record<string, string> = {
      CSV_QUOTE_NOT_CLOSED: 'quoted field not closed before the end of the file',
      INVALID_OPENING_QUOTE: 'quote inside an unquoted field',
      CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote',
    }
    throw new TrainingCsvError(`${sourceName}:${line}: ${what[error.code] ?? error.message}`, { cause: error })
  }
  return rows.map(({ record, info }) => ({
    line: info.lines - record.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0),
    fields: record,
  }))
}

export function parseTrainingCsv(input: string | Uint8Array, sourceName = 'training_data.csv'): TrainingCsv {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${sourceName}: CSV must be text or bytes, got ${typeof input}`)
  }
  const text = (typeof input === 'string' ? input : new TextDecoder().decode(input)).replace(/^\uFEFF/, '')
  const records = csvRecords(text, sourceName)
  const header = records[0]
  if (header === undefined) throw new TrainingCsvError(`${sourceName}:1: empty file (expected a header row with 'Patient ID')`)
  const columns = header.fields.map((name) => name.trim())
  const idColumn = columns.indexOf('Patient ID')
  if (idColumn < 0) throw new TrainingCsvError(`${sourceName}:${header.line}: no 'Patient ID' column in header (${columns.join(', ')})`)
  const seen = new Map<string, number>()
  const patients = records.slice(1).map((record): TrainingCsvPatient => {
    const fail = (message: string): never => {
      throw new TrainingCsvError(`${sourceName}:${record.line}: ${message}`)
    }
    if (record.fields.length !== columns.length) fail(`${record.fields.length} fields, header has ${columns.length}`)
    const fields: Record<string, string | null> = {}
    columns.forEach((name, i) => {
      // 'Recording locations:' has a trailing colon in the release; the typed view uses the name.
      fields[name.replace(/:$/, '')] = circorValue(record.fields[i])
    })
    const patientId = fields['Patient ID'] ?? null
    if (patientId === null || !/^\d+$/.test(patientId))
      return fail(`field 'Patient ID': '${record.fields[idColumn]}' is not a patient number`)
    const previous = seen.get(patientId)
    if (previous !== undefined) fail(`field 'Patient ID': patient ${patientId} already on line ${previous}`)
    seen.set(patientId, record.line)
    const locations = (fields['Recording locations'] ?? '').split('+').filter((location) => location !== '')
    const metadata = patientMetadataFromFields(fields, (field, value, what) => fail(`field '${field}': '${value}' is not ${what}`))
    return { patientId, locations, metadata, line: record.line }
  })
  return { columns, patients }
}
