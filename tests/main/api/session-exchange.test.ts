/**
 * The library's exchange with other tools, through the real FsSessionLibrary on a temp data
 * folder: a CirCor WAV imported as a session, annotations edited (label, note, undo), exported as
 * an Audacity label track and a CirCor .tsv and read back into another session with nothing
 * lost, the export folder named by what it holds, and the one-page PDF report printed by the
 * machine's Chromium, rendered to PNG by pdftoppm and checked for its parts.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importCircorTsv } from '../../../src/core/sessions/circor-tsv'
import { FsSessionLibrary } from '../../../src/main/api/session-library-port'
import { findChromium } from '../../../src/main/sessions/pdf-printer'
import { decodeWav } from '../../../src/core/wav/wav-reader'

const ROOT = join(__dirname, '../../..')
let dataDir: string
let library: FsSessionLibrary

async function importFile(path: string, name: string): Promise<string> {
  const bytes = readFileSync(path)
  const chunk = 300_000
  let summary = null
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    const done = offset + chunk >= bytes.length
    summary = await library.importWav({
      uploadId: `u-${name}`,
      fileName: name,
      offset,
      chunkBase64: bytes.subarray(offset, offset + chunk).toString('base64'),
      done,
    })
    if (!done) expect(summary).toBeNull()
  }
  if (!summary) throw new Error('no session')
  return summary.id
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-exchange-'))
  library = new FsSessionLibrary(() => dataDir)
})
afterAll(async () => {
  await library.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('session exchange', () => {
  let id: string
  it('imports a CirCor WAV in chunks as a session (site and patient from its name) and detects its beats', async () => {
    id = await importFile(join(ROOT, 'samples/68303_AV.wav'), '68303_AV.wav')
    const detail = await library.get(id)
    const wav = decodeWav(readFileSync(join(ROOT, 'samples/68303_AV.wav')))
    expect(detail.summary.location).toBe('AV')
    expect(detail.summary.patientId).toBe('68303')
    expect(detail.summary.durationS).toBeCloseTo(wav.frames / wav.sampleRateHz, 3)
    const beats = await library.beats(id)
    expect(beats.source).toBe('envelope')
    expect(beats.s1OnsetsS.length).toBeGreaterThan(5)
    expect(beats.s2OnsetsS.length).toBeGreaterThan(5)
  })

  it('refuses a file that is not a WAV, naming it', async () => {
    await expect(
      library.importWav({
        uploadId: 'bad',
        fileName: 'notes.wav',
        offset: 0,
        chunkBase64: Buffer.from('hello').toString('base64'),
        done: true,
      }),
    ).rejects.toThrow(/notes\.wav/)
  })

  it('renames a marker and a span, sets notes, and undoes', async () => {
    await library.edit(id, { type: 'addMarker', timeS: 1.5, label: 'mark', note: '' })
    let detail = await library.edit(id, { type: 'addSpan', startS: 2, endS: 2.4, spanKind: 'custom', label: 'x', note: '' })
    const [marker, span] = detail.annotations
    detail = await library.edit(id, { type: 'update', id: span!.id, label: 'murmur', note: 'grade 2/6, apex' })
    expect(detail.annotations[1]).toMatchObject({ kind: 'span', spanKind: 'murmur', label: 'murmur', note: 'grade 2/6, apex' })
    detail = await library.edit(id, { type: 'update', id: marker!.id, label: 'Gallop?', note: 'listen again' })
    expect(detail.annotations[0]).toMatchObject({ kind: 'marker', label: 'Gallop?', note: 'listen again' })
    detail = await library.edit(id, { type: 'undo' })
    expect(detail.annotations[0]).toMatchObject({ label: 'mark', note: '' })
    detail = await library.edit(id, { type: 'redo' })
    expect(detail.annotations[0]).toMatchObject({ label: 'Gallop?' })
  })

  it('Audacity labels and CirCor .tsv round-trip into another session with nothing lost', async () => {
    const tsv = readFileSync(join(ROOT, 'samples/68303_AV.tsv'), 'utf8')
    await library.importAnnotations({ id, format: 'circor', fileName: '68303_AV.tsv', text: tsv })
    const source = await library.get(id)
    const labels = Buffer.from((await library.exportFile(id, 'audacity')).base64, 'base64').toString('utf8')
    const circor = await library.exportFile(id, 'circor')
    expect(circor.fileName).toBe('68303_AV.tsv') // annotated, so not ".detected"
    const other = await importFile(join(ROOT, 'samples/68303_AV.wav'), 'copy_AV.wav')
    const viaLabels = await library.importAnnotations({ id: other, format: 'audacity', fileName: 'labels.txt', text: labels })
    expect(viaLabels.warnings).toEqual([])
    const strip = (items: typeof source.annotations): unknown[] =>
      items.map(({ id: _id, ...rest }) => ({ ...rest, ...('timeS' in rest ? { timeS: rest.timeS.toFixed(6) } : {}) }))
    const round = (items: typeof source.annotations): unknown[] =>
      strip(items).map((a) => {
        const o = a as Record<string, unknown>
        for (const k of ['startS', 'endS']) if (typeof o[k] === 'number') o[k] = (o[k] as number).toFixed(6)
        return o
      })
    expect(round(viaLabels.detail.annotations)).toEqual(round(source.annotations))
    // The .tsv alone carries the segmentation: the same S1/systole/S2/diastole spans.
    const third = await importFile(join(ROOT, 'samples/68303_AV.wav'), 'third_AV.wav')
    const viaTsv = await library.importAnnotations({
      id: third,
      format: 'circor',
      fileName: 'x.tsv',
      text: Buffer.from(circor.base64, 'base64').toString('utf8'),
    })
    const seg = source.annotations.filter((a) => a.kind === 'span' && ['S1', 'S2', 'systole', 'diastole'].includes(a.spanKind))
    expect(round(viaTsv.detail.annotations)).toEqual(round(seg))
  })

  // Up to ~10 s on a busy machine: the export prints its PDF with Chromium.
  it('exports a folder named by what it holds, with the detected segmentation marked as detected', { timeout: 60_000 }, async () => {
    const fresh = await importFile(join(ROOT, 'samples/50238_MV.wav'), '50238_MV.wav')
    const result = await library.exportSession(fresh, 'folder')
    const files = readdirSync(result.path).sort()
    expect(files).toEqual(
      expect.arrayContaining([
        '50238_MV.wav',
        '50238_MV.tsv',
        '50238_MV.labels.txt',
        'SEGMENTATION.txt',
        'annotations.json',
        'hr.csv',
        'report.html',
        'session.json',
      ]),
    )
    expect(readFileSync(join(result.path, 'SEGMENTATION.txt'), 'utf8')).toMatch(/DETECTED by the envelope beat detector/)
    const tsv = importCircorTsv(readFileSync(join(result.path, '50238_MV.tsv'), 'utf8'), 'tsv')
    expect(tsv.warnings).toEqual([])
    expect(tsv.spans.filter((s) => s.spanKind === 'S1').length).toBeGreaterThan(10)
    const circor = await library.exportFile(fresh, 'circor')
    expect(circor.fileName).toBe('50238_MV.detected.tsv')
  })

  const chromium = findChromium()
  const poppler = existsSync('/usr/bin/pdftoppm') && existsSync('/usr/bin/pdftotext')
  it.skipIf(chromium === null || !poppler)(
    'prints a one-page PDF report: patient, site, time, PCG with S1/S2, HR trend, annotations, notes',
    async () => {
      await library.update(id, { notes: 'Soft systolic murmur at the right upper sternal border.', patientName: 'Ada Test' })
      const pdf = Buffer.from((await library.exportFile(id, 'pdf')).base64, 'base64')
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
      const dir = mkdtempSync(join(tmpdir(), 'ausculta-pdf-test-'))
      try {
        writeFileSync(join(dir, 'r.pdf'), pdf)
        const info = execFileSync('pdfinfo', [join(dir, 'r.pdf')], { encoding: 'utf8' })
        expect(info).toMatch(/Pages:\s+1\n/)
        const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' })
        for (const part of ['Ada Test', '#68303', 'AV', 'Started', 'Phonocardiogram', 'Heart rate', 'Annotations', 'Gallop?', 'murmur']) {
          expect(text).toContain(part)
        }
        expect(text).toContain('Soft systolic murmur at the right upper sternal border.')
        // Rendered at 50 dpi: the PCG band holds dark strokes (the waveform) and the S1 red ticks.
        execFileSync('pdftoppm', ['-r', '50', '-png', join(dir, 'r.pdf'), join(dir, 'page')])
        const png = readdirSync(dir).find((f) => f.endsWith('.png'))
        expect(png).toBeDefined()
        const ppm = execFileSync('pdftoppm', ['-r', '50', join(dir, 'r.pdf')], { maxBuffer: 64 * 1024 * 1024 })
        const { dark, red } = countInks(ppm)
        expect(dark).toBeGreaterThan(2000)
        expect(red).toBeGreaterThan(50)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    60_000,
  )
})

/** Dark pixels (waveform, text) and saturated red ones (S1 ticks, HR line) of a binary PPM. */
function countInks(ppm: Buffer): { dark: number; red: number } {
  // Header: "P6\n<w> <h>\n255\n"
  let pos = 0
  const fields: string[] = []
  while (fields.length < 4) {
    while (ppm[pos] === 0x20 || ppm[pos] === 0x0a) pos++
    let end = pos
    while (ppm[end] !== 0x20 && ppm[end] !== 0x0a) end++
    fields.push(ppm.subarray(pos, end).toString())
    pos = end
  }
  pos++
  let dark = 0
  let red = 0
  for (let i = pos; i + 2 < ppm.length; i += 3) {
    const r = ppm[i] as number
    const g = ppm[i + 1] as number
    const b = ppm[i + 2] as number
    if (r < 90 && g < 90 && b < 90) dark++
    if (r > 180 && g < 90 && b < 90) red++
  }
  return { dark, red }
}
