import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseTrainingCsv, TrainingCsvError } from '../../../src/core/circor/training-csv'
import { circorDatasetFor } from '../../helpers/circor-dataset'

const dataset = circorDatasetFor(__filename)
const HEADER = 'Patient ID,Recording locations:,Age,Sex,Height,Weight,Pregnancy status,Murmur,Outcome,Campaign,Additional ID'

describe('parseTrainingCsv', () => {
  it.skipIf(!dataset)('reads the development-data CSV: 302 patients, typed metadata (AUSCULTA_CIRCOR_DIR)', () => {
    const csv = parseTrainingCsv(readFileSync(dataset!.csvPath, 'utf8'))
    // 302 patients: the data README's count; 23 columns: the release's header.
    expect(csv.patients.length).toBe(302)
    expect(csv.columns.length).toBe(23)
    const p68303 = csv.patients.find((p) => p.patientId === '68303')!
    expect(p68303.locations).toEqual(['AV', 'PV', 'TV', 'MV'])
    expect(p68303.metadata).toMatchObject({ ageGroup: 'Child', sex: 'Female', murmur: 'Present', additionalId: '50054', heightCm: 125 })
    const p84749 = csv.patients.find((p) => p.patientId === '84749')!
    expect(p84749.metadata).toMatchObject({ ageGroup: null, pregnant: true, heightCm: null })
    // The CSV and the patient .txt files of the release agree on murmur status: 57 Present.
    expect(csv.patients.filter((p) => p.metadata.murmur === 'Present').length).toBe(57)
  })

  it('handles quoted fields with commas, doubled quotes and line breaks, and a BOM', () => {
    const text =
      `\uFEFF${HEADER}\r\n1,AV+MV,"Child",Female,"98.0",15.9,False,"Present, loud","said ` +
      `""hi""\nthere",CC2015,nan\r\n2,PV,nan,Male,nan,nan,nan,Absent,Normal,CC2014,"1.0"\n`
    const csv = parseTrainingCsv(text, 't.csv')
    expect(csv.patients.map((p) => p.line)).toEqual([2, 4])
    expect(csv.patients[0]!.metadata).toMatchObject({
      murmur: 'Present, loud',
      outcome: 'said "hi"\nthere',
      heightCm: 98,
      additionalId: null,
    })
    expect(csv.patients[1]!.metadata).toMatchObject({ ageGroup: null, pregnant: null, additionalId: '1' })
  })

  it('throws TrainingCsvError naming file, line and field', () => {
    const cases: [string, RegExp][] = [
      ['', /t\.csv:1: empty file/],
      ['Name,Age\nx,1\n', /t\.csv:1: no 'Patient ID' column/],
      [`${HEADER}\n1,AV,Child\n`, /t\.csv:2: 3 fields, header has 11/],
      [`${HEADER}\nabc,AV,Child,Male,1,1,False,Absent,Normal,CC2014,nan\n`, /t\.csv:2: field 'Patient ID': 'abc'/],
      [`${HEADER}\n1,AV,Child,Male,tall,1,False,Absent,Normal,CC2014,nan\n`, /t\.csv:2: field 'Height': 'tall' is not a number/],
      [`${HEADER}\n1,AV,Child,Male,1,1,maybe,Absent,Normal,CC2014,nan\n`, /t\.csv:2: field 'Pregnancy status': 'maybe'/],
      [
        `${HEADER}\n1,AV,Child,Male,1,1,False,Absent,Normal,CC2014,nan\n1,AV,Child,Male,1,1,False,Absent,Normal,CC2014,nan\n`,
        /t\.csv:3: field 'Patient ID': patient 1 already on line 2/,
      ],
      [`${HEADER}\n1,"AV,Child\n`, /t\.csv:2: quoted field not closed/],
      [`${HEADER}\n1,A"V,Child,Male,1,1,False,Absent,Normal,CC2014,nan\n`, /t\.csv:2: quote inside an unquoted field/],
      [`${HEADER}\n\n1,"AV"x,Child,Male,1,1,False,Absent,Normal,CC2014,nan\n`, /t\.csv:3: text after a closing quote/],
    ]
    for (const [text, message] of cases) expect(() => parseTrainingCsv(text, 't.csv')).toThrow(message)
    expect(() => parseTrainingCsv('', 't.csv')).toThrow(TrainingCsvError)
  })
})
