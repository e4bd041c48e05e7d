/**
 * End to end: find by sound in the library (issue 18). Browser mode with the shipped encoder on a
 * data folder of five CirCor recordings written by the real recorder, driven through Debian's
 * Chromium: a description ranks every session (embedded on demand at the first search), a hit
 * opens its session with the matched stretch in view and laid over the waveform, and the cursor at
 * its start. Screenshots at 1024×600 and 1920×1080 go to test-results/e2e/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readWavMono } from '../../src/main/io/wav-file'
import { SessionRecorder } from '../../src/main/sessions/session-recorder'
import { startBrowserModeProcess, type BrowserModeProcess } from '../helpers/browser-mode-process'
import { appUrl, builtRendererDir, launchChromium } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
const RECORDINGS = ['50238_MV', '68303_AV', '74420_MV', '84740_PV', '84749_TV']

let server: BrowserModeProcess
let dataDir: string
let browser: Browser
let page: Page
const pageErrors: string[] = []

function record(name: string): string {
  const audio = readWavMono(join(ROOT, 'samples', `${name}.wav`))
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz: audio.sampleRateHz,
    location: name.slice(-2) as 'AV' | 'PV' | 'TV' | 'MV',
    device: { id: 'circor', name: 'CirCor' },
    modelId: null,
    patient: { id: name.split('_')[0] as string },
  })
  for (let at = 0; at < audio.samples.length; at += 4000)
    recorder.appendAudio({ samples: audio.samples.subarray(at, at + 4000), sampleRateHz: audio.sampleRateHz, firstSampleIndex: at })
  return recorder.stop().id
}

async function screenshots(name: string): Promise<void> {
  for (const size of [
    { width: 1024, height: 600 },
    { width: 1920, height: 1080 },
  ]) {
    await page.setViewportSize(size)
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, `sound-search-${name}-${size.width}x${size.height}.png`) })
  }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-search-'))
  for (const name of RECORDINGS) record(name)
  server = await startBrowserModeProcess({
    dataDir,
    rendererDir: builtRendererDir(),
    modelPath: join(ROOT, 'models/ausculta-encoder.onnx'),
  })
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1024, height: 600 } })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(appUrl(server))
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('find by sound in the library (Chromium)', () => {
  it('ranks every session by a description, with where its best stretch lies', { timeout: 120_000 }, async () => {
    await page.getByTestId('nav-sessions').click()
    await page.getByTestId('sound-search-input').fill('systolic murmur')
    await page.getByTestId('sound-search-submit').click()
    const hits = page.getByTestId('sound-search-hit')
    await hits.first().waitFor({ timeout: 90_000 })
    await expect(hits.count()).resolves.toBe(RECORDINGS.length)
    const scores = await hits.evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-score'))))
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    await expect(page.getByTestId('sound-search-summary').textContent()).resolves.toMatch(/Best 5 of 5 for “systolic murmur”/)
    await screenshots('results')
  })

  it('opens a hit with its stretch in view, highlighted, the cursor at its start', { timeout: 60_000 }, async () => {
    await page.setViewportSize({ width: 1024, height: 600 })
    const first = page.getByTestId('sound-search-hit').first()
    const sessionId = await first.getAttribute('data-session-id')
    await first.click()
    const highlight = page.getByTestId('match-highlight')
    await highlight.waitFor({ timeout: 20_000 })
    const startS = Number(await highlight.getAttribute('data-start-s'))
    const endS = Number(await highlight.getAttribute('data-end-s'))
    expect(endS).toBeGreaterThan(startS)
    await expect(page.getByTestId('session-title').textContent()).resolves.toBeTruthy()
    await expect(first.getAttribute('class')).resolves.toMatch(/current/)
    expect(sessionId).toBeTruthy()
    // The cursor sits at the stretch's start (play-position reads m:ss.cc).
    const position = ((await page.getByTestId('play-position').textContent()) ?? '').split(' / ')[0] ?? ''
    const [minutes, seconds] = position.split(':').map(Number) as [number, number]
    expect(Math.abs(minutes * 60 + seconds - startS)).toBeLessThan(0.02)
    await screenshots('opened')
  })

  it('says which words it does not know', { timeout: 60_000 }, async () => {
    await page.getByTestId('sound-search-input').fill('murmur at the apex zzyzx')
    await page.getByTestId('sound-search-submit').click()
    await page.getByTestId('sound-search-unknown').waitFor({ timeout: 30_000 })
    await expect(page.getByTestId('sound-search-unknown').textContent()).resolves.toMatch(/zzyzx/)
    expect(pageErrors).toEqual([])
  })
})
