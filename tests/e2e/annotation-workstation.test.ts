/**
 * End to end (issue 17): the annotation workstation in Chromium against `ausculta serve`, at
 * 1024×600, 1366×768 and 1920×1080. A CirCor WAV is imported through the file picker (and another by drag
 * and drop), opened with its detected S1/S2, HR and spectrogram lanes; zoomed to one beat and
 * out to the whole recording; stepped beat by beat and annotation by annotation from the
 * keyboard; a marker renamed from the standard labels and given a note, a span relabelled with
 * free text, and the edits undone. Panels must not overlap at either size. Screenshots go to
 * test-results/e2e/ (gitignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServedBrowser, type ServedBrowser, type ServeProcess } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const

let app: ServedBrowser
let server: ServeProcess
let dataDir: string
let browser: Browser
let url: string

/** Boxes of the named parts that must not overlap one another (nothing hidden under another panel). */
async function overlaps(page: Page, testIds: string[]): Promise<string[]> {
  const boxes = await Promise.all(testIds.map(async (id) => ({ id, box: await page.getByTestId(id).first().boundingBox() })))
  const found: string[] = []
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!.box
      const b = boxes[j]!.box
      if (!a || !b) continue
      const x = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
      const y = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
      if (x > 1 && y > 1) found.push(`${boxes[i]!.id} × ${boxes[j]!.id}`)
    }
  }
  return found
}

async function view(page: Page): Promise<{ start: number; duration: number }> {
  const wave = page.getByTestId('session-waveform')
  return {
    start: Number(await wave.getAttribute('data-view-start')),
    duration: Number(await wave.getAttribute('data-view-duration')),
  }
}

async function positionS(page: Page): Promise<number> {
  const text = (await page.getByTestId('play-position').textContent()) ?? ''
  return (text.split(' / ')[0] ?? '')
    .split(':')
    .map(Number)
    .reduce((t, p) => t * 60 + p, 0)
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-annotate-'))
  app = await startServedBrowser(['--no-devices', '--data-dir', dataDir, '--demo', join(ROOT, 'samples/50238_MV.wav')])
  ;({ server, browser } = app)
  url = server.url.href
}, 120_000)

afterAll(async () => {
  await app?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe.each(SIZES)('the annotation workstation at $width×$height (Chromium)', (size) => {
  let page: Page
  beforeAll(async () => {
    page = await browser.newPage({ viewport: size })
    server.watchPage(page)
    await page.goto(url)
    await page.getByTestId('nav-sessions').click()
  }, 60_000)
  afterAll(async () => page?.close())

  it('imports a WAV with the file picker and opens it with detected S1/S2, HR and spectrogram lanes', async () => {
    const name = { 1024: '84740_PV.wav', 1366: '84749_TV.wav', 1920: '74420_MV.wav' }[size.width]
    await page.getByTestId('import-wav-file').setInputFiles(join(ROOT, 'samples', name))
    await page
      .getByTestId('sessions-message')
      .filter({ hasText: `Imported ${name}` })
      .waitFor({ timeout: 30_000 })
    const title = (await page.getByTestId('session-title').textContent()) ?? ''
    // "<patient> · <site name> · <day> <month> <hh:mm>", local time, no raw id.
    expect(title).toMatch(new RegExp(`^${name.slice(0, 5)} · (Pulmonic|Tricuspid|Mitral) · \\d{1,2} [A-Z][a-z]{2} \\d{2}:\\d{2}$`))
    const lanes = page.getByTestId('session-lanes')
    await expect.poll(() => lanes.getAttribute('data-beats-source'), { timeout: 20_000 }).toBe('envelope')
    expect(Number(await lanes.getAttribute('data-s1-count'))).toBeGreaterThan(5)
    // The whole recording (over 60 s? no: CirCor files are 10–65 s) shows a spectrogram once a minute or less is in view.
    await page.getByTestId('zoom-in').click()
    await expect.poll(() => lanes.getAttribute('data-spectrogram'), { timeout: 10_000 }).toBe('drawn')
    expect(await overlaps(page, ['library', 'session-waveform', 'session-lanes', 'annotation-table', 'save-details'])).toEqual([])
    await page.screenshot({ path: join(SHOTS, `workstation-${size.width}x${size.height}.png`) })
  }, 60_000)

  it('zooms to one beat and out to the whole recording, and steps through beats with the keyboard', async () => {
    await page.getByTestId('zoom-whole').click()
    const whole = await view(page)
    await page.locator('body').click({ position: { x: 2, y: 2 } })
    await page.keyboard.press('b')
    await expect.poll(async () => (await view(page)).duration, { timeout: 5000 }).toBeLessThan(2)
    const beat = await view(page)
    // One beat: a heart at 40–200 bpm beats every 0.3–1.5 s; the view is 1.25 beats.
    expect(beat.duration).toBeGreaterThan(0.3)
    const before = await positionS(page)
    await page.keyboard.press('.')
    await expect.poll(() => positionS(page), { timeout: 5000 }).toBeGreaterThan(before)
    const first = await positionS(page)
    await page.keyboard.press('.')
    // The next detected S1 (the envelope detector may see an extra sound within a beat: 84749_TV has one).
    await expect.poll(() => positionS(page), { timeout: 5000 }).toBeGreaterThan(first + 0.05)
    const second = await positionS(page)
    // A beat apart (0.3–1.5 s), and the view followed the cursor.
    expect(second - first).toBeLessThan(1.6)
    const followed = await view(page)
    expect(second).toBeGreaterThanOrEqual(followed.start)
    expect(second).toBeLessThanOrEqual(followed.start + followed.duration)
    await page.keyboard.press(',')
    await expect.poll(() => positionS(page), { timeout: 5000 }).toBeCloseTo(first, 1)
    await page.screenshot({ path: join(SHOTS, `workstation-beat-${size.width}x${size.height}.png`) })
    await page.keyboard.press('0')
    await expect.poll(async () => (await view(page)).duration, { timeout: 5000 }).toBeCloseTo(whole.duration, 2)
  }, 60_000)

  it('edits labels and notes of a marker and a span, steps between them with N, and undoes', async () => {
    const rows = page.getByTestId('annotation-row')
    await page.keyboard.press('k')
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(1)
    await page.getByTestId('span-mode').check()
    await page.getByTestId('span-label').selectOption('S3')
    const box = (await page.getByTestId('session-waveform').boundingBox())!
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 4 })
    await page.mouse.up()
    await page.getByTestId('span-mode').uncheck()
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(2)
    const span = page.locator('[data-testid=annotation-row][data-kind=span]')
    await expect(span.getByTestId('annotation-label').inputValue()).resolves.toBe('S3')

    const marker = page.locator('[data-testid=annotation-row][data-kind=marker]')
    await marker.getByTestId('annotation-label').fill('click')
    await marker.getByTestId('annotation-label').press('Enter')
    await marker.getByTestId('annotation-note').fill('mid-systolic, after S1')
    await marker.getByTestId('annotation-note').press('Enter')
    await span.getByTestId('annotation-label').fill('holosystolic murmur 2/6')
    await span.getByTestId('annotation-label').press('Enter')
    await expect.poll(() => page.getByTestId('undo').isEnabled(), { timeout: 5000 }).toBe(true)
    await expect(page.getByTestId('annotation-label').count()).resolves.toBe(2)
    // The edits are on disk (annotations.json of the open session).
    const id = (await page.locator('[data-testid=session-item].current').getAttribute('data-session-id'))!
    type Saved = { items: Array<{ kind: string; label: string; note: string; spanKind?: string }> }
    const saved = (): Saved =>
      JSON.parse(readFileSync(join(dataDir, 'sessions', readdirDay(dataDir, id), id, 'annotations.json'), 'utf8')) as Saved
    await expect
      .poll(() => saved().items.find((i) => i.kind === 'span'), { timeout: 5000 })
      .toMatchObject({ label: 'holosystolic murmur 2/6', spanKind: 'custom' })
    expect(saved().items.find((i) => i.kind === 'marker')).toMatchObject({ label: 'click', note: 'mid-systolic, after S1' })

    // N goes to the next annotation, Shift+N back.
    await page.locator('body').click({ position: { x: 2, y: 2 } })
    await page.keyboard.press('0')
    // The table is in time order: Go to the first row, N selects the second, Shift+N the first again.
    const ids = await rows.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id')))
    await page.getByRole('button', { name: /^Go$/ }).first().click()
    await page.keyboard.press('n')
    const selected = page.locator('[data-testid=annotation-row].selected')
    await expect.poll(() => selected.getAttribute('data-id'), { timeout: 5000 }).toBe(ids[1])
    await page.keyboard.press('Shift+N')
    await expect.poll(() => selected.getAttribute('data-id'), { timeout: 5000 }).toBe(ids[0])

    // Undo the span's relabel, then the marker's note and label.
    await page.keyboard.press('Control+z')
    await expect.poll(() => span.getByTestId('annotation-label').inputValue(), { timeout: 5000 }).toBe('S3')
    await page.getByTestId('undo').click()
    await expect.poll(() => marker.getByTestId('annotation-note').inputValue(), { timeout: 5000 }).toBe('')
    await page.getByTestId('undo').click()
    await expect.poll(() => marker.getByTestId('annotation-label').inputValue(), { timeout: 5000 }).toBe('mark')
    await page.getByTestId('redo').click()
    await expect.poll(() => marker.getByTestId('annotation-label').inputValue(), { timeout: 5000 }).toBe('click')
    expect(await overlaps(page, ['library', 'session-waveform', 'session-lanes', 'annotation-table', 'save-details'])).toEqual([])
    await page.screenshot({ path: join(SHOTS, `workstation-annotated-${size.width}x${size.height}.png`) })
  }, 60_000)

  it.runIf(size.width === 1920)(
    'lists a recording the moment it ends, with the S1/S2 the monitor detected while recording',
    async () => {
      const items = page.getByTestId('session-item')
      const before = await items.count()
      const known = await items.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-session-id')))
      await page.getByTestId('record-button').click()
      await page.getByTestId('recording-time').waitFor({ timeout: 5000 })
      await page.waitForTimeout(7000)
      await page.getByTestId('record-button').click()
      // No search, no reload: the library refreshed itself when the recording ended.
      await expect.poll(() => items.count(), { timeout: 5000 }).toBe(before + 1)
      // The newest session is listed first.
      expect(known).not.toContain(await items.first().getAttribute('data-session-id'))
      await items.first().click()
      await expect.poll(() => page.getByTestId('session-lanes').getAttribute('data-beats-source'), { timeout: 10_000 }).toBe('recorded')
      expect(Number(await page.getByTestId('session-lanes').getAttribute('data-s1-count'))).toBeGreaterThan(2)
      await page.screenshot({ path: join(SHOTS, `workstation-recorded-${size.width}x${size.height}.png`) })
    },
    60_000,
  )

  it.runIf(size.width === 1920)(
    'downloads the Audacity labels and the PDF report, and imports a label track back',
    async () => {
      // The open session is the recording made above (or the last import): give it two annotations first.
      await page.keyboard.press('k')
      const rows = page.getByTestId('annotation-row')
      await expect.poll(() => rows.count(), { timeout: 5000 }).toBeGreaterThan(0)
      await rows.first().getByTestId('annotation-note').fill('exported note')
      await rows.first().getByTestId('annotation-note').press('Enter')
      await page.getByTestId('export-kind').selectOption('audacity')
      const [labels] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-file').click()])
      expect(labels.suggestedFilename()).toMatch(/\.labels\.txt$/)
      const labelsPath = join(dataDir, 'downloaded.labels.txt')
      await labels.saveAs(labelsPath)
      const text = readFileSync(labelsPath, 'utf8')
      expect(text).toMatch(/^\d+\.\d{6}\t\d+\.\d{6}\tmark # exported note\n/)
      await page.getByTestId('export-kind').selectOption('pdf')
      const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-file').click()])
      expect(pdf.suggestedFilename()).toMatch(/\.report\.pdf$/)
      const pdfPath = join(dataDir, 'downloaded.pdf')
      await pdf.saveAs(pdfPath)
      expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-')
      // The same labels imported again: the table doubles, one undo step takes them away.
      const before = await rows.count()
      await page.getByTestId('import-labels-file').setInputFiles(labelsPath)
      await page.getByTestId('sessions-message').filter({ hasText: 'Imported' }).waitFor({ timeout: 10_000 })
      await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(before * 2)
      await page.getByTestId('undo').click()
      await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(before)
    },
    90_000,
  )

  it('imports a WAV dropped on the library, and a search without a match says so', async () => {
    const bytes = readFileSync(join(ROOT, 'samples/68303_AV.wav')).toString('base64')
    const name = `drop${size.width}_AV.wav`
    // A DataTransfer holding the file, built in the page (the DOM types are not this test's).
    const transfer = await page.evaluateHandle(`(() => {
      const binary = atob(${JSON.stringify(bytes)})
      const data = new Uint8Array(binary.length)
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i)
      const dt = new DataTransfer()
      dt.items.add(new File([data], ${JSON.stringify(name)}, { type: 'audio/wav' }))
      return dt
    })()`)
    await page.getByTestId('library').dispatchEvent('dragover', { dataTransfer: transfer })
    await page.getByTestId('library').dispatchEvent('drop', { dataTransfer: transfer })
    await page
      .getByTestId('sessions-message')
      .filter({ hasText: `Imported ${name}` })
      .waitFor({ timeout: 30_000 })
    await expect(page.getByTestId('session-title').textContent()).resolves.toMatch(/ · Aortic · /)

    await page.getByTestId('search-input').fill('no-such-patient-xyz')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await expect(page.getByTestId('no-match').textContent()).resolves.toContain('No recordings match “no-such-patient-xyz”')
    await expect(page.getByTestId('library-empty').count()).resolves.toBe(0)
    await page.getByRole('button', { name: 'Show all' }).click()
    await expect.poll(() => page.getByTestId('session-item').count(), { timeout: 5000 }).toBeGreaterThan(0)
    expect(server.log()).not.toContain('[pageerror]')
  }, 60_000)
})

/** The day folder (`yyyy-mm-dd`) that holds session `id`. */
function readdirDay(dir: string, id: string): string {
  for (const day of readdirSync(join(dir, 'sessions'))) if (existsSync(join(dir, 'sessions', day, id))) return day
  throw new Error(`session ${id} not found`)
}
