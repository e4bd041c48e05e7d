import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePatientTxt, PatientTxtError } from '../../../src/core/circor/patient-txt'
import { circorDatasetFor } from '../../helpers/circor-dataset'

const SAMPLES = join(__dirname, '../../../samples')
const dataset = circorDatasetFor(__filename)

describe('parsePatientTxt', () => {
  it('reads a real patient file: header, recordings and metadata', () => {
    const txt = parsePatientTxt(readFileSync(join(SAMPLES, '68303.txt'), 'utf8'), '68303.txt')
    expect(txt.patientId).toBe('68303')
    expect(txt.sampleRateHz).toBe(4000)
    expect(txt.recordings.map((r) => r.location)).toEqual(['AV', 'PV', 'TV', 'MV'])
    expect(txt.recordings[0]).toEqual({
      location: 'AV',
      heaFile: '68303_AV.hea',
      wavFile: '68303_AV.wav',
      tsvFile: '68303_AV.tsv',
      recordingId: '68303_AV',
      line: 2,
    })
    expect(txt.metadata).toMatchObject({
      ageGroup: 'Child',
      sex: 'Female',
      heightCm: 125,
      weightKg: 31.9,
      pregnant: false,
      murmur: 'Present',
      outcome: 'Abnormal',
      campaign: 'CC2015',
      additionalId: '50054',
    })
    expect(txt.metadata.fields['Systolic murmur grading']).toBe('II/VI')
    expect(txt.metadata.fields['Diastolic murmur timing']).toBeNull()
  })

  it('maps nan to null (the pregnant adult of 84749 has no age group, height or weight)', () => {
    const txt = parsePatientTxt(new Uint8Array(readFileSync(join(SAMPLES, '84749.txt'))), '84749.txt')
    expect(txt.metadata).toMatchObject({ ageGroup: null, heightCm: null, weightKg: null, pregnant: true, additionalId: null })
  })

  it.skipIf(!dataset)('reads every patient file of the development data (AUSCULTA_CIRCOR_DIR)', () => {
    const data = dataset!.trainingDataDir
    const files = readdirSync(data).filter((f) => f.endsWith('.txt'))
    const recordings = files.reduce((sum, f) => sum + parsePatientTxt(readFileSync(join(data, f), 'utf8'), f).recordings.length, 0)
    // 302 patients and 990 recordings: the counts of the data README.
    expect(files.length).toBe(302)
    expect(recordings).toBe(990)
  })

  it('throws PatientTxtError naming file, line and field', () => {
    const good = readFileSync(join(SAMPLES, '74420.txt'), 'utf8')
    const cases: [string, RegExp][] = [
      ['', /x\.txt:1: empty file/],
      [good.replace('74420 2 4000', '74420 2'), /x\.txt:1: header has 2 fields/],
      [good.replace('74420 2 4000', '74420 3 4000'), /x\.txt:1: header announces 3 recordings, file lists 2/],
      [good.replace('74420 2 4000', '74420 2 fast'), /x\.txt:1: sample rate 'fast'/],
      [good.replace('MV 74420_MV.hea', 'MV 74420_MV.hea extra'), /x\.txt:3: recording line has 5 fields/],
      [good.replace('74420_MV.tsv', '74420_MV.txt'), /x\.txt:3: tsv file '74420_MV\.txt' does not end in \.tsv/],
      [good.replace('#Height: 68.0', '#Height: tall'), /x\.txt:\d+: #Height: 'tall' is not a number or nan/],
    ]
    for (const [text, message] of cases) expect(() => parsePatientTxt(text, 'x.txt')).toThrow(message)
    expect(() => parsePatientTxt('', 'x.txt')).toThrow(PatientTxtError)
  })
})
