import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NotCircorFolderError, scanCircorFolder } from '../../../src/main/data/circor-folder'
import { circorDatasetFor } from '../../helpers/circor-dataset'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const SAMPLES = join(ROOT, 'samples')
const dataset = circorDatasetFor(__filename)

describe('scanCircorFolder', () => {
  it('scans samples/ (files directly in the folder) and skips the recordings not copied there', () => {
    const folder = scanCircorFolder(SAMPLES)
    expect(folder.dataDir).toBe(SAMPLES)
    expect(folder.csvPath).toBeNull()
    // samples/README.md: five patients, one recording each.
    expect(folder.patients.map((p) => p.patientId)).toEqual(['50238', '68303', '74420', '84740', '84749'])
    expect(folder.recordings.map((r) => r.recordingId).sort()).toEqual(['50238_MV', '68303_AV', '74420_MV', '84740_PV', '84749_TV'])
    const r = folder.recordings.find((x) => x.recordingId === '68303_AV')!
    expect(r).toMatchObject({
      patientId: '68303',
      location: 'AV',
      wavPath: join(SAMPLES, '68303_AV.wav'),
      tsvPath: join(SAMPLES, '68303_AV.tsv'),
      heaPath: join(SAMPLES, '68303_AV.hea'),
    })
    expect(r.patient).toMatchObject({ ageGroup: 'Child', sex: 'Female', murmur: 'Present', additionalId: '50054' })
    // The patient files list 4 + 4 + 2 + 4 + 4 = 18 recordings; 5 are here, so 13 are skipped.
    expect(folder.skipped.length).toBe(13)
    expect(folder.skipped.find((s) => s.path.endsWith('68303_PV.wav'))!.reason).toMatch(
      /68303_PV\.wav and 68303_PV\.tsv not found \(listed on line 3 of 68303\.txt\)/,
    )
  })

  it.skipIf(!dataset)('scans the release layout with training_data.csv: 302 patients, 990 recordings (AUSCULTA_CIRCOR_DIR)', () => {
    const data = dataset!.root
    const folder = scanCircorFolder(data)
    expect(folder.dataDir).toBe(join(data, 'training_data'))
    expect(folder.csvPath).toBe(join(data, 'training_data.csv'))
    // The data README's counts; the release is complete, so nothing is skipped or disputed.
    expect(folder.patients.length).toBe(302)
    expect(folder.recordings.length).toBe(990)
    expect(folder.skipped).toEqual([])
    expect(folder.warnings).toEqual([])
    expect(new Set(folder.recordings.map((r) => r.location))).toEqual(new Set(['AV', 'PV', 'TV', 'MV', 'Phc']))
  })

  it('reports a broken patient file and a missing tsv as skipped, not as a failure', () => {
    const dir = testTempDir('ausculta-circor-')
    for (const f of ['84749.txt', '84749_TV.wav', '50238.txt', '50238_MV.wav']) copyFileSync(join(SAMPLES, f), join(dir, f))
    writeFileSync(join(dir, '12345.txt'), '12345 x 4000\n')
    writeFileSync(join(dir, 'notes.txt'), 'not a patient file\n')
    copyFileSync(join(SAMPLES, '84749_TV.tsv'), join(dir, '84749_TV.tsv'))
    const folder = scanCircorFolder(dir)
    expect(folder.recordings.map((r) => r.recordingId)).toEqual(['84749_TV'])
    expect(folder.skipped.find((s) => s.path.endsWith('12345.txt'))!.reason).toMatch(/12345\.txt:1: recording count 'x'/)
    expect(folder.skipped.find((s) => s.path.endsWith('50238_MV.wav'))!.reason).toMatch(/^50238_MV\.tsv not found/)
  })

  it('throws NotCircorFolderError for a folder without patient files and for a missing folder', () => {
    const empty = testTempDir('ausculta-empty-')
    mkdirSync(join(empty, 'training_data'))
    writeFileSync(join(empty, 'README.txt'), 'hello')
    expect(() => scanCircorFolder(empty)).toThrow(NotCircorFolderError)
    expect(() => scanCircorFolder(empty)).toThrow(/not a CirCor folder: no patient files/)
    expect(() => scanCircorFolder(join(empty, 'nope'))).toThrow(/nope: not a folder/)
  })
})
