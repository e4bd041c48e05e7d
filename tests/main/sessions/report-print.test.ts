/**
 * "A one-page report": printed for real with the apt chromium (headless --print-to-pdf), the
 * exported report.html of a real CirCor session with a full annotation load must be one page.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AnnotationEditor } from '../../../src/main/sessions/annotation-store'
import { exportSession } from '../../../src/main/sessions/exporter'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { CIRCOR_DIR, recordCircor } from './helpers/record-circor'

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim()
    } catch {
      // try the next name
    }
  }
  return null
}

const chromium = findChromium()
const root = mkdtempSync(join(tmpdir(), 'ausculta-print-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe.skipIf(chromium === null)('report.html printed by Chromium', () => {
  it('fits one A4 page with segmentation, 20 markers, murmur spans and long notes', () => {
    const dataDir = join(root, 'data')
    const longNotes = 'Grade II/VI holosystolic murmur at the apex, radiating to the axilla. '.repeat(20)
    const { meta, dir } = recordCircor(dataDir, '50238_MV', { patient: { id: '50238', name: 'Print Test' }, notes: longNotes })
    const editor = AnnotationEditor.open(dir)
    editor.importCircorTsv(readFileSync(join(CIRCOR_DIR, '50238_MV.tsv'), 'utf8'), '50238_MV.tsv')
    for (let i = 0; i < 20; i++) editor.addMarker(i, `marker ${i}`, 'note')
    editor.addSpan('murmur', 3, 3.3, 'murmur', 'holosystolic')
    const out = join(root, 'out')
    mkdirSync(out)
    const { path } = exportSession(new SessionLibrary(dataDir), meta.id, out, 'folder')
    const pdf = join(root, 'report.pdf')
    execFileSync(
      chromium as string,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--no-pdf-header-footer',
        `--print-to-pdf=${pdf}`,
        `file://${join(path, 'report.html')}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    )
    const bytes = readFileSync(pdf).toString('latin1')
    // Page objects are "/Type /Page" (the page tree is "/Type /Pages").
    const pages = bytes.match(/\/Type\s*\/Page(?!s)/g) ?? []
    expect(pages).toHaveLength(1)
  })
})
