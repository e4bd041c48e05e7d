/**
 * End to end: the library shows and plays a long session (issue 20, item 2). `ausculta serve` on
 * a data folder holding a 20-min recording (the demo recording looped, written by the real
 * recorder, with annotations), driven through Debian's Chromium. The session opens from its
 * overview without loading the recording, plays from its start and from a point 15 min in (what
 * is handed to Web Audio is the playback path's rendering of the recording there), at 2× too, zooms down to
 * seconds with the view following the cursor, and takes a marker. Screenshots at 1024×600 and
 * 1920×1080 go to test-results/e2e/ (gitignored).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeWav, downmixToMono } from '../../src/core/wav/wav-reader'
import { AnnotationEditor } from '../../src/main/sessions/annotation-store'
import { planSegment, renderSegment } from '../../src/renderer/src/lib/playback-segments'
import { recordLongSession, type RecordedSession } from '../helpers/long-session'
import { keepPlayedAudio, startServedBrowser, type ServedBrowser, type ServeProcess } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
const MINUTES = 20

let app: ServedBrowser
let server: ServeProcess
let dataDir: string
let browser: Browser
let page: Page
let session: RecordedSession
let samples: Float32Array

async function positionS(): Promise<number> {
  const text = (await page.getByTestId('play-position').textContent()) ?? ''
  const parts = (text.split(' / ')[0] ?? '').split(':').map(Number)
  return parts.reduce((total, part) => total * 60 + part, 0)
}

/** The last buffer the page handed to Web Audio (kept by keepPlayedAudio). */
async function played(): Promise<{ sampleRateHz: number; samples: number[] }> {
  return page.evaluate(() => {
    const p = (globalThis as unknown as { __auscultaPlayed?: { sampleRateHz: number; samples: Float32Array } }).__auscultaPlayed
    return p ? { sampleRateHz: p.sampleRateHz, samples: Array.from(p.samples) } : { sampleRateHz: 0, samples: [] }
  })
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-long-'))
  session = await recordLongSession(dataDir, MINUTES * 60)
  const editor = AnnotationEditor.open(session.dir)
  editor.addMarker(600, 'murmur?')
  editor.addSpan('murmur', 1100, 1130, 'murmur')
  samples = downmixToMono(decodeWav(readFileSync(join(session.dir, 'audio.wav')), 'audio.wav'))
  app = await startServedBrowser(
    ['--data-dir', dataDir, '--demo', join(ROOT, 'samples/50238_MV.wav')],
    ['--autoplay-policy=no-user-gesture-required'],
  )
  ;({ server, browser } = app)
  page = await browser.newPage({ viewport: { width: 1366, height: 820 } })
  server.watchPage(page)
  await keepPlayedAudio(page)
  await page.goto(server.url.href)
}, 240_000)

afterAll(async () => {
  await app?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('a 20-min session in the library (Chromium)', () => {
  it('opens from its overview at once, without loading the recording', async () => {
    await page.getByTestId('nav-sessions').click()
    const item = page.locator(`[data-testid=session-item][data-session-id="${session.id}"]`)
    await item.waitFor({ timeout: 10_000 })
    await item.click()
    await page.locator(`[data-testid=session-waveform][data-drawn-session="${session.id}"]`).waitFor({ timeout: 20_000 })
    const firstDrawMs = Number(await page.getByTestId('wave-box').getAttribute('data-first-draw-ms'))
    console.log(`[e2e long] ${MINUTES}-min session: first waveform drawn ${firstDrawMs.toFixed(0)} ms after the click`)
    await expect(page.getByTestId('play-position').textContent()).resolves.toBe(`0:00.00 / ${MINUTES}:00.00`)
    // What is prepared for playback is the first 10-s segment (and its cross-fade), not 20 min.
    await expect.poll(async () => (await played()).samples.length, { timeout: 10_000 }).toBe((10 + 0.02) * 4000)
    await expect(page.getByTestId('annotation-row').count()).resolves.toBe(2)
  })

  it('plays from the start, and from 15 min in with exactly the recording there', async () => {
    await page.getByTestId('play-button').click()
    await page.waitForTimeout(2500)
    await page.getByTestId('play-button').click()
    // 2.5 s of playback; 1 s allows for audio start-up on a loaded machine.
    expect(await positionS()).toBeGreaterThan(1.5)

    // Click 75 % across the whole-recording view: 15:00, give or take a pixel column.
    const box = (await page.getByTestId('session-waveform').boundingBox()) as { x: number; y: number; width: number; height: number }
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2)
    const secondsPerPixel = (MINUTES * 60) / box.width
    await expect.poll(positionS, { timeout: 5000 }).toBeGreaterThan(900 - 2 * secondsPerPixel)
    const seekS = await positionS()
    expect(seekS).toBeLessThan(900 + 2 * secondsPerPixel)

    // Unity gain, no filter: the buffer prepared there is the recording's 10-s segment around the cursor.
    const slider = page.getByTestId('playback-gain')
    await slider.evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean }
      input.value = '1'
      input.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await page.getByText('Volume ×1', { exact: true }).waitFor({ timeout: 5000 })
    // What the playback path makes of the recording's own samples there (the demo peaks at full
    // scale, so the limiter does act): computed here from audio.wav, compared with what the page plays.
    const plan = planSegment(seekS, samples.length, 4000)
    expect(plan.startS).toBe(Math.floor(seekS / 10) * 10)
    const expected = renderSegment(
      samples.subarray(plan.fetchStartFrame, plan.fetchStartFrame + plan.fetchFrames),
      plan,
      4000,
      { filter: 'off', speed: 1, gain: 1 },
      0.02,
    )
    const worstDifference = async (): Promise<number> => {
      const buffer = await played()
      if (buffer.samples.length !== expected.length) return Infinity
      let worst = 0
      for (let i = 0; i < buffer.samples.length; i++)
        worst = Math.max(worst, Math.abs((buffer.samples[i] as number) - (expected[i] as number)))
      return worst
    }
    // Float32 samples through the same code in another JavaScript engine build: equal to rounding.
    await expect.poll(worstDifference, { timeout: 10_000 }).toBeLessThan(1e-6)

    await page.getByTestId('play-button').click()
    await page.waitForTimeout(2000)
    await page.getByTestId('play-button').click()
    expect(await positionS()).toBeGreaterThan(seekS + 1)
    expect(server.log()).not.toContain('[pageerror]')
  })

  it('plays at 2× (twice the recording time per second) and the zoomed view follows the cursor', async () => {
    await page.getByTestId('speed-2').click()
    const before = await positionS()
    await page.getByTestId('play-button').click()
    await page.waitForTimeout(2000)
    await page.getByTestId('play-button').click()
    // 2 s at 2× is 4 s of recording; 1.5 s allows for start-up.
    expect((await positionS()) - before).toBeGreaterThan(2.5)

    // Zoomed in eight times (20 min → 4.7 s): drawn from the samples, and the view turns its page as the cursor runs off.
    for (let i = 0; i < 8; i++) await page.getByTestId('zoom-in').click()
    const wave = page.getByTestId('session-waveform')
    await expect.poll(async () => Number(await wave.getAttribute('data-view-duration')), { timeout: 5000 }).toBeLessThan(5)
    await page.screenshot({ path: join(SHOTS, 'long-session-zoomed.png') })
    const viewBefore = Number(await wave.getAttribute('data-view-start'))
    await page.getByTestId('play-button').click()
    await page.waitForTimeout(4000)
    await page.getByTestId('play-button').click()
    const viewAfter = Number(await wave.getAttribute('data-view-start'))
    const cursor = await positionS()
    const span = Number(await wave.getAttribute('data-view-duration'))
    expect(viewAfter).toBeGreaterThan(viewBefore)
    expect(cursor).toBeGreaterThanOrEqual(viewAfter)
    expect(cursor).toBeLessThanOrEqual(viewAfter + span)
    await page.getByTestId('speed-1').click()
    await page.getByTestId('zoom-whole').click()
    await expect.poll(async () => Number(await wave.getAttribute('data-view-duration')), { timeout: 5000 }).toBe(MINUTES * 60)
  })

  it('takes a marker at the cursor and looks right at 1024×600 and 1920×1080', async () => {
    const rows = page.getByTestId('annotation-row')
    await page.getByTestId('add-marker').click()
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(3)
    for (const [width, height] of [
      [1024, 600],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height })
      await page.waitForTimeout(500)
      await page.screenshot({ path: join(SHOTS, `long-session-${width}x${height}.png`) })
    }
    expect(server.log()).not.toContain('[pageerror]')
  })
})
