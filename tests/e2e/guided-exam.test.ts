/**
 * End to end (issue 16, item 5): the guided 4-point exam walked to the end in Chromium against
 * the demo source (browser mode, the real backend in its own process): a patient, then Aortic →
 * Pulmonic → Tricuspid → Mitral with a 2-s clip each (the clip length is a setting of the exam
 * screen; 2 s keeps the test short), the checklist ticking off each site, "Saved: …" after each
 * clip, a mark drawn on the strip chart with one S1 label per sound, one site recorded again, and the
 * visit in the library as one item. Screenshots of each
 * step at 1024×600 and 1920×1080 go to test-results/e2e/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrowserModeProcess, type BrowserModeProcess } from '../helpers/browser-mode-process'
import { appUrl, builtRendererDir, launchChromium, pollPage } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1920, height: 1080 },
]
const SITES = [
  ['AV', 'Aortic'],
  ['PV', 'Pulmonic'],
  ['TV', 'Tricuspid'],
  ['MV', 'Mitral'],
] as const
const CLIP_S = 2

let server: BrowserModeProcess
let dataDir: string
let browser: Browser
let page: Page
const pageErrors: string[] = []

/** Each site's checklist state and what the exam screen says, read in the page. */
const READ_EXAM = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]')
  const text = (id) => (q(id)?.textContent ?? '').replace(/\\s+/g, ' ').trim()
  const states = {}
  for (const p of ['AV', 'PV', 'TV', 'MV']) states[p] = q('exam-site-' + p)?.getAttribute('data-state') ?? ''
  return { states, current: text('exam-current'), complete: q('exam-complete') !== null, progress: text('exam-progress'),
    saved: text('saved-text'), siteText: Object.fromEntries(['AV', 'PV', 'TV', 'MV'].map((p) => [p, text('exam-site-' + p)])) }
})()`
interface ExamRead {
  states: Record<string, string>
  current: string
  complete: boolean
  progress: string
  saved: string
  siteText: Record<string, string>
}

async function screenshots(name: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size)
    await page.waitForTimeout(200)
    await page.screenshot({ path: join(SHOTS, `exam-${name}-${size.width}x${size.height}.png`) })
  }
  await page.setViewportSize({ width: 1366, height: 768 })
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-exam-'))
  server = await startBrowserModeProcess({ dataDir, rendererDir: builtRendererDir() })
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(appUrl(server))
  await page.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 30_000 })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('guided 4-point exam (Chromium, browser mode, demo source)', () => {
  it('walks Aortic → Pulmonic → Tricuspid → Mitral with timed clips, redoes one site, files the visit as one item', async () => {
    await page.getByTestId('nav-exam').click()
    await page.getByTestId('exam-clip-seconds').fill(String(CLIP_S))
    // No patient id, no exam: the button stays disabled.
    await expect(page.getByTestId('exam-begin').isDisabled()).resolves.toBe(true)
    await page.getByTestId('exam-patient-id').fill('P-0042')
    await page.getByTestId('exam-patient-name').fill('Ada L.')
    await screenshots('1-patient')
    await page.getByTestId('exam-begin').click()
    await page.getByTestId('exam-checklist').waitFor()
    let read = (await page.evaluate(READ_EXAM)) as ExamRead
    expect(read.states).toEqual({ AV: 'next', PV: 'waiting', TV: 'waiting', MV: 'waiting' })
    expect(read.current).toBe('Aortic')
    await screenshots('2-first-site')

    for (const [point, name] of SITES) {
      read = (await page.evaluate(READ_EXAM)) as ExamRead
      expect(read.current, `the exam guides to ${name} next`).toBe(name)
      await page.getByTestId('exam-record').click()
      if (point === 'TV') {
        await pollPage<ExamRead>(page, READ_EXAM, (r) => r.states.TV === 'recording', 5000, 'the tricuspid clip to start')
        // A mark while the clip records is drawn on the strip chart (issue 16, item 6).
        await page.getByTestId('mark-button').click()
        const chart = await pollPage<{ userMarks: number; marksS1: number; labelsS1: number }>(
          page,
          'globalThis.__auscultaChart',
          (c) => c.userMarks >= 1,
          3000,
          'the mark on the strip chart',
        )
        // One label per S1 mark: none left out for running into another (no "S1S1").
        expect(chart.labelsS1).toBe(chart.marksS1)
        await page.getByTestId('exam-timer').waitFor()
        await screenshots('3-recording')
      }
      read = await pollPage<ExamRead>(page, READ_EXAM, (r) => r.states[point] === 'done', 20_000, `the ${name} clip to stop by itself`)
      // The clip is exactly its length (the backend cuts it), and the page says what was saved.
      expect(read.siteText[point]).toContain(`0:0${CLIP_S}`)
      await pollPage<ExamRead>(page, READ_EXAM, (r) => r.saved.startsWith(`Saved: ${name}, 0:0${CLIP_S}`), 5000, `"Saved: ${name}"`)
    }
    read = (await page.evaluate(READ_EXAM)) as ExamRead
    expect(read.complete).toBe(true)
    expect(read.progress).toBe('4 of 4 sites recorded')
    expect(read.saved).toBe(`Saved: Mitral, 0:0${CLIP_S} · P-0042`)
    await screenshots('4-complete')

    // Redo the pulmonic site: it records again and is done again; the exam stays complete.
    await page.getByTestId('exam-redo-PV').click()
    await pollPage<ExamRead>(page, READ_EXAM, (r) => r.states.PV === 'recording', 5000, 'the pulmonic redo to start')
    read = await pollPage<ExamRead>(page, READ_EXAM, (r) => r.states.PV === 'done', 20_000, 'the pulmonic redo to finish')
    expect(read.complete).toBe(true)
    await pollPage<ExamRead>(page, READ_EXAM, (r) => r.saved.startsWith('Saved: Pulmonic'), 5000, '"Saved: Pulmonic" after the redo')

    // Open the mitral clip: the library lists the visit as one item with its four sites.
    await page.getByTestId('exam-open-MV').click()
    await page.getByTestId('session-title').filter({ hasText: 'Mitral' }).waitFor({ timeout: 10_000 })
    const visitItems = page.getByTestId('visit-item')
    await visitItems.first().waitFor({ timeout: 10_000 })
    expect(await visitItems.count()).toBe(1)
    const item = (await visitItems.first().textContent()) ?? ''
    expect(item).toContain('P-0042 · 4-point exam')
    expect(item).toContain('4 of 4 sites')
    for (const [point] of SITES) expect(await page.getByTestId(`visit-site-${point}`).count()).toBe(1)
    // The first pulmonic take stays in the library, shown as the earlier one.
    expect(item).toContain('Pulmonic (earlier)')
    // The five clips are in the visit, not loose in the list.
    expect(await page.getByTestId('session-item').count()).toBe(0)
    await screenshots('5-library')

    // Back on the exam screen the visit is still there; the clip length is remembered for the next patient.
    await page.getByTestId('nav-exam').click()
    await page.getByTestId('exam-complete').waitFor({ timeout: 5000 })
    await page.getByTestId('exam-next-patient').click()
    expect(await page.getByTestId('exam-clip-seconds').inputValue()).toBe(String(CLIP_S))
    expect(pageErrors).toEqual([])
  }, 120_000)
})
