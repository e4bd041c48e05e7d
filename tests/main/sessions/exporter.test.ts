import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseSessionMeta } from '../../../src/core/sessions/session-schema'
import { AnnotationEditor } from '../../../src/main/sessions/annotation-store'
import { exportSession } from '../../../src/main/sessions/exporter'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { CIRCOR_DIR, recordCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-export-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const dataDir = join(root, 'data')
const { meta, dir } = recordCircor(dataDir, '50238_MV', { patient: { id: '50238', name: 'Export Test' } })
const editor = AnnotationEditor.open(dir)
editor.importCircorTsv(readFileSync(join(CIRCOR_DIR, '50238_MV.tsv'), 'utf8'), '50238_MV.tsv')
editor.addMarker(1.5, 'click')
const library = new SessionLibrary(dataDir)
const outDir = join(root, 'out')
mkdirSync(outDir)

/** Named by what they hold: CirCor's `<patient>_<site>` pair, the Audacity labels, Ausculta's own files. */
const EXPECTED_FILES = [
  '50238_MV.labels.txt',
  '50238_MV.tsv',
  '50238_MV.wav',
  'NOTICE.txt',
  'SEGMENTATION.txt',
  'annotations.json',
  'hr.csv',
  'report.html',
  'session.json',
]

function checkExportedFiles(folder: string): void {
  expect(readdirSync(folder).sort()).toEqual(EXPECTED_FILES)
  expect(readFileSync(join(folder, '50238_MV.wav'))).toEqual(readFileSync(join(dir, 'audio.wav')))
  expect(parseSessionMeta(readFileSync(join(folder, 'session.json'), 'utf8'), 'session.json')).toEqual(meta)
  const labelled = (t: string) => t.split('\n').filter((l) => /\t[1-4]$/.test(l))
  expect(labelled(readFileSync(join(folder, '50238_MV.tsv'), 'utf8'))).toEqual(
    labelled(readFileSync(join(CIRCOR_DIR, '50238_MV.tsv'), 'utf8')),
  )
  const csvRows = readFileSync(join(folder, 'hr.csv'), 'utf8').trim().split('\n')
  // Header plus one row per window event of the trace.
  expect(csvRows.length).toBe(1 + library.readTrace(meta.id).entries.length)
  const report = readFileSync(join(folder, 'report.html'), 'utf8')
  expect(report).not.toMatch(/https?:\/\//i)
  expect(report).toContain('Export Test')
  expect(readFileSync(join(folder, 'NOTICE.txt'), 'utf8')).toMatch(/ODC Attribution License/)
  // The segmentation is the annotated one (imported from CirCor), and the marker the .tsv cannot hold is in the labels.
  expect(readFileSync(join(folder, 'SEGMENTATION.txt'), 'utf8')).toMatch(/annotated in Ausculta/)
  expect(readFileSync(join(folder, '50238_MV.labels.txt'), 'utf8')).toContain('1.500000\t1.500000\tclick\n')
}

describe('exportSession', () => {
  it('exports a folder with WAV, TSV, HR CSV, JSON and report', () => {
    const result = exportSession(library, meta.id, outDir, 'folder')
    expect(result.path).toBe(join(outDir, `ausculta-${meta.id}`))
    // Annotated S1/S2: nothing to warn about (the click marker goes to the Audacity labels).
    expect(result.notes.join('\n')).not.toMatch(/detected/)
    checkExportedFiles(result.path)
    expect(readdirSync(outDir).filter((f) => f.startsWith('.'))).toEqual([])
    expect(() => exportSession(library, meta.id, outDir, 'folder')).toThrow(/already exists/)
  })

  it('exports a zip that unzip -t accepts and that unpacks to the same files', () => {
    const result = exportSession(library, meta.id, outDir, 'zip')
    expect(result.path).toBe(join(outDir, `ausculta-${meta.id}.zip`))
    const test = execFileSync('unzip', ['-t', result.path], { encoding: 'utf8' })
    expect(test).toMatch(/No errors detected/)
    const unpacked = join(root, 'unpacked')
    execFileSync('unzip', ['-q', result.path, '-d', unpacked])
    checkExportedFiles(unpacked)
  })
})
