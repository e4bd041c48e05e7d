/**
 * End to end: the PACS in the library (issue 18, item 1). A real Orthanc (apt) holds a session
 * another laptop sent; `ausculta serve` on this laptop's data folder is opened in Chromium: the
 * nurse enters the PACS address and password, sees the other laptop's recording, fetches and opens
 * it, and sends this laptop's own recording with "Send to PACS". Both screen sizes; screenshots in
 * test-results/e2e/. Skipped with a notice where Orthanc is not installed.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionLibrary } from '../../src/main/sessions/session-store'
import { DicomWebClient } from '../../src/main/sharing/dicomweb-client'
import { sendSessions } from '../../src/main/sharing/pacs'
import { recordCircor } from '../main/sessions/helpers/record-circor'
import { startServedBrowser, type ServedBrowser } from '../helpers/e2e-browser'
import { orthancMissing, startOrthanc, type OrthancServer } from '../helpers/orthanc'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
const missing = orthancMissing()
if (missing) console.warn(`PACS screen test skipped: ${missing}`)

let orthanc: OrthancServer
let app: ServedBrowser
let browser: Browser
let url = ''
const dirs: string[] = []

describe.skipIf(missing !== undefined)('the PACS in the library (Chromium, real Orthanc)', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    orthanc = await startOrthanc()
    const otherLaptop = mkdtempSync(join(tmpdir(), 'ausculta-e2e-pacs-a-'))
    const thisLaptop = mkdtempSync(join(tmpdir(), 'ausculta-e2e-pacs-b-'))
    dirs.push(otherLaptop, thisLaptop)
    const sent = recordCircor(otherLaptop, '68303_AV', { patient: { id: 'P-2210', name: 'Zoë Ångström' } })
    const client = new DicomWebClient({ url: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password })
    await sendSessions(client, new SessionLibrary(otherLaptop), [sent.meta.id])
    recordCircor(thisLaptop, '84740_PV', { patient: { id: 'P-1042', name: 'Ana Silva' }, startedAt: new Date('2026-03-01T09:15:00Z') })

    app = await startServedBrowser(['--data-dir', thisLaptop, '--no-demo', '--no-devices'])
    browser = app.browser
    url = app.server.url.href
  }, 180_000)

  afterAll(async () => {
    await app?.close()
    await orthanc?.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it("set the PACS, fetch and open the other laptop's recording, send this one (1024×600)", async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 600 } })
    try {
      await page.goto(url)
      await page.getByTestId('nav-sessions').click()
      await page.getByTestId('pacs-panel').locator('summary').click()
      await page.getByTestId('pacs-url').fill(orthanc.dicomWebUrl)
      await page.getByTestId('pacs-user').fill(orthanc.username)
      await page.getByTestId('pacs-password').fill('wrong')
      await page.getByTestId('pacs-save').click()
      await expect.poll(() => page.getByTestId('pacs-error').textContent(), { timeout: 15_000 }).toMatch(/password refused/)
      await page.getByTestId('pacs-panel').getByRole('button', { name: 'Change' }).click()
      await page.getByTestId('pacs-password').fill(orthanc.password)
      await page.getByTestId('pacs-save').click()
      const rows = page.getByTestId('pacs-rows').locator('li')
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1)
      expect(await rows.first().textContent()).toMatch(/Zoë Ångström · P-2210.*Heart sounds, aortic area \(AV\)/)
      await page.screenshot({ path: join(SHOTS, 'pacs-list-1024x600.png') })
      await rows.first().getByTestId('pacs-open').click()
      await expect.poll(() => page.getByTestId('session-title').textContent(), { timeout: 20_000 }).toMatch(/P-2210/)
      await expect.poll(() => page.getByTestId('session-item').count()).toBe(2)
      expect(await rows.first().getByTestId('pacs-open').textContent()).toMatch(/Open/)
      await page.screenshot({ path: join(SHOTS, 'pacs-fetched-1024x600.png') })

      await page.getByTestId('session-item').filter({ hasText: 'P-1042' }).click()
      await expect.poll(() => page.getByTestId('session-title').textContent(), { timeout: 20_000 }).toMatch(/P-1042/)
      await page.getByTestId('pacs-send').click()
      await expect.poll(() => page.getByTestId('sessions-message').textContent(), { timeout: 20_000 }).toMatch(/Sent to the PACS/)
      await page.getByTestId('pacs-refresh').click()
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2)
      await page.screenshot({ path: join(SHOTS, 'pacs-sent-1024x600.png') })
    } finally {
      await page.close()
    }
  }, 120_000)

  it('the list fits the library panel at 1920×1080', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    try {
      await page.goto(url)
      await page.getByTestId('nav-sessions').click()
      await page.getByTestId('pacs-panel').locator('summary').click()
      await page.getByTestId('pacs-refresh').click()
      const open = page.getByTestId('pacs-open')
      await expect.poll(() => open.count(), { timeout: 15_000 }).toBe(2)
      for (let i = 0; i < 2; i++) {
        const box = await open.nth(i).boundingBox()
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1920)
      }
      await page.screenshot({ path: join(SHOTS, 'pacs-list-1920x1080.png') })
    } finally {
      await page.close()
    }
  }, 60_000)
})
