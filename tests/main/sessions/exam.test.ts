import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseVisit } from '../../../src/core/sessions/visit-schema'
import { ExamVisit } from '../../../src/main/sessions/exam'
import { exportVisit } from '../../../src/main/sessions/exporter'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { loadCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-exam-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const dataDir = join(root, 'data')
/** Real recordings standing in for the four sites (the samples/ set has one of each). */
const SOURCES = { AV: '68303_AV', PV: '84740_PV', TV: '84749_TV', MV: '74420_MV' } as const

describe('guided 4-point exam', () => {
  it('walks AV → PV → TV → MV, one recording each, and exports the visit', () => {
    const exam = ExamVisit.start(dataDir, { id: 'V-1', name: 'Exam Patient', ageGroup: 'child' })
    const order: string[] = []
    while (exam.nextPoint !== null) {
      const point = exam.nextPoint
      order.push(point)
      const { samples, sampleRateHz } = loadCircor(SOURCES[point])
      const recorder = exam.startRecording({ sampleRateHz, device: { id: 'demo', name: 'demo' }, modelId: null })
      recorder.appendAudio({ samples, sampleRateHz, firstSampleIndex: 0 })
      exam.attach(recorder.stop())
    }
    expect(order).toEqual(['AV', 'PV', 'TV', 'MV'])
    expect(exam.complete).toBe(true)
    expect(() => exam.startRecording({ sampleRateHz: 4000, device: { id: 'd', name: 'd' }, modelId: null })).toThrow(/all four points/)

    // The visit file and each session agree on who belongs where.
    const visit = parseVisit(readFileSync(exam.path, 'utf8'), exam.path)
    const library = new SessionLibrary(dataDir)
    const members = library.search({ visitId: visit.id })
    expect(members).toHaveLength(4)
    for (const { meta } of members) {
      expect(visit.points[meta.location as 'AV']).toBe(meta.id)
      expect(meta.patient.name).toBe('Exam Patient')
    }
    expect(ExamVisit.listIds(dataDir)).toEqual([visit.id])

    const out = join(root, 'out')
    mkdirSync(out)
    const zip = exportVisit(library, visit.id, out, 'zip')
    expect(execFileSync('unzip', ['-t', zip.path], { encoding: 'utf8' })).toMatch(/No errors detected/)
    const folder = exportVisit(library, visit.id, out, 'folder')
    expect(readdirSync(folder.path).sort()).toEqual(['AV', 'MV', 'PV', 'TV', 'index.html', 'visit.json'])
    expect(readdirSync(join(folder.path, 'TV'))).toContain('report.html')
    expect(readFileSync(join(folder.path, 'index.html'), 'utf8')).not.toMatch(/https?:\/\//)
  })

  it('resumes an interrupted exam from its visit file and allows re-recording a point', () => {
    const exam = ExamVisit.start(dataDir, { id: 'V-2' })
    const first = exam.startRecording({ sampleRateHz: 4000, device: { id: 'd', name: 'd' }, modelId: null })
    exam.attach(first.stop())
    const resumed = ExamVisit.load(dataDir, exam.visit.id)
    expect(resumed.nextPoint).toBe('PV')
    const again = resumed.startRecording({ sampleRateHz: 4000, device: { id: 'd', name: 'd' }, modelId: null }, 'AV')
    resumed.attach(again.stop())
    expect(resumed.visit.points.AV).toBe(again.id)
    // The first AV take stays in the library.
    const library = new SessionLibrary(dataDir)
    expect(library.get(first.id).meta.visitId).toBe(exam.visit.id)
    // A deleted take does not block exporting the visit; the export says what is missing.
    library.delete(again.id)
    const out = join(root, 'out-partial')
    mkdirSync(out)
    const result = exportVisit(library, exam.visit.id, out, 'folder')
    expect(result.notes).toContain(`visit ${exam.visit.id}: AV session ${again.id} is not in the library (deleted?)`)
    expect(result.notes).toContain(`visit ${exam.visit.id}: PV was not recorded`)
    expect(readdirSync(result.path).sort()).toEqual(['index.html', 'visit.json'])
  })
})
