/**
 * End to end: problem sessions are visible in the library (issue 20, item 3). A data folder with a
 * good session, an unfinished recording whose audio header is damaged and a hand-broken
 * session.json is served by `ausculta serve` and opened in Debian's Chromium at the two screen
 * sizes we support (1024×600 and 1920×1080): both problems are listed with their reason and their
 * way out; Repair brings the unreadable one back into the list; Export raw files copies the other.
 * Screenshots go to test-results/e2e/.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordCircor } from '../main/sessions/helpers/record-circor'
import { startServedBrowser, type ServedBrowser } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
let app: ServedBrowser
let browser: Browser
let url: string
let dataDir: string
let unfinishedId: string
let unfinishedDir: string
let brokenId: string

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-problems-'))
  recordCircor(dataDir, '84740_PV', { patient: { id: 'P-1042', name: 'Ana Silva' } })
  // Left "recording" with no recorder (as after a crash) and a header repair cannot patch.
  const unfinished = recordCircor(dataDir, '84749_TV', { startedAt: new Date('2026-03-01T09:15:00Z'), patient: { id: 'P-0977' } })
  unfinishedId = unfinished.meta.id
  unfinishedDir = unfinished.dir
  const metaPath = join(unfinished.dir, 'session.json')
  writeFileSync(metaPath, readFileSync(metaPath, 'utf8').replace('"status": "complete"', '"status": "recording"'))
  const fd = openSync(join(unfinished.dir, 'audio.wav'), 'r+')
  writeSync(fd, Buffer.from('JUNK'), 0, 4, 0)
  closeSync(fd)
  const broken = recordCircor(dataDir, '68303_AV', { startedAt: new Date('2026-02-11T14:02:00Z') })
  brokenId = broken.meta.id
  const brokenMeta = join(broken.dir, 'session.json')
  writeFileSync(brokenMeta, JSON.stringify({ ...(JSON.parse(readFileSync(brokenMeta, 'utf8')) as object), location: 'apex' }, null, 2))

  app = await startServedBrowser(['--data-dir', dataDir, '--no-demo', '--no-devices'])
  browser = app.browser
  url = app.server.url.href
}, 180_000)

afterAll(async () => {
  await app?.close()
  // Only once the server is gone: it writes into the data folder until it exits.
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('problem sessions in the library (Chromium)', () => {
  it.each([
    [1024, 600],
    [1920, 1080],
  ])(
    'both problems are listed with their reason and actions at %i×%i',
    async (width, height) => {
      const page = await browser.newPage({ viewport: { width, height } })
      try {
        await page.goto(url)
        await page.getByTestId('nav-sessions').click()
        const entries = page.getByTestId('session-problem')
        await expect.poll(() => entries.count(), { timeout: 15_000 }).toBe(2)
        const unfinished = page.locator('[data-testid="session-problem"][data-kind="unfinished"]')
        await expect.poll(() => unfinished.textContent()).toMatch(/Recording not finished/)
        expect(await unfinished.getByTestId('problem-repair-error').textContent()).toMatch(
          /audio\.wav: field "header@0": expected "RIFF", found "JUNK"/,
        )
        const unreadable = page.locator('[data-testid="session-problem"][data-kind="unreadable"]')
        expect(await unreadable.getByTestId('problem-reason').textContent()).toMatch(/session\.json: field "location".*"apex"/)
        for (const entry of [unfinished, unreadable]) {
          // The entry and both of its buttons are on screen (inside the library panel), not cut off.
          const box = await entry.getByTestId('problem-export-raw').boundingBox()
          expect(box).not.toBeNull()
          expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width)
          expect(await entry.getByTestId('problem-repair').isVisible()).toBe(true)
        }
        expect(await page.getByTestId('session-item').count()).toBe(1)
        await page.screenshot({ path: join(SHOTS, `session-problems-${width}x${height}.png`) })
      } finally {
        await page.close()
      }
    },
    60_000,
  )

  it('Export raw files copies the unfinished folder; Repair brings the unreadable one back', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    try {
      await page.goto(url)
      await page.getByTestId('nav-sessions').click()
      const unfinished = page.locator('[data-testid="session-problem"][data-kind="unfinished"]')
      await unfinished.getByTestId('problem-export-raw').click()
      // Every file of the folder (not hidden temporary files) plus README.txt.
      const expected = [...readdirSync(unfinishedDir).filter((f) => !f.startsWith('.')), 'README.txt'].sort()
      expect(expected).toEqual(expect.arrayContaining(['audio.wav', 'hr-trace.jsonl', 'session.json', 'README.txt']))
      await expect
        .poll(() => unfinished.getByRole('status').textContent(), { timeout: 15_000 })
        .toMatch(new RegExp(`Copied ${expected.length} files to .*ausculta-raw-`))
      const runs = readdirSync(join(dataDir, 'exports'))
      expect(readdirSync(join(dataDir, 'exports', runs[0] as string, `ausculta-raw-${unfinishedId}`)).sort()).toEqual(expected)

      await page.locator('[data-testid="session-problem"][data-kind="unreadable"]').getByTestId('problem-repair').click()
      await expect.poll(() => page.getByTestId('session-problem').count(), { timeout: 15_000 }).toBe(1)
      await expect.poll(() => page.getByTestId('session-item').count(), { timeout: 15_000 }).toBe(2)
      expect(await page.locator(`[data-session-id="${brokenId}"]`).textContent()).toMatch(/68303/)
      await page.screenshot({ path: join(SHOTS, 'session-problems-after-repair.png') })
    } finally {
      await page.close()
    }
  }, 60_000)
})
