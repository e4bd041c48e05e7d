/**
 * Settings opened while the app is too busy to answer (a loaded laptop: the model, a long
 * recording): the form cannot be edited until it holds the app's settings, so what the user then
 * types is what gets applied — not a half-known form (empty data folder) refused with "One of the
 * settings is not valid", nor typing overwritten when the late answer arrives. The busy app is
 * the real server frozen with SIGSTOP for 1.5 s.
 */
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServedPage, type ServedPage } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
let app: ServedPage

beforeAll(async () => {
  const samplesDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-busy-samples-'))
  copyFileSync(join(ROOT, 'samples', '50238_MV.wav'), join(samplesDir, '50238_MV.wav'))
  const dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-busy-data-'))
  app = await openServedPage(['--no-devices', '--data-dir', dataDir, '--demo', join(samplesDir, '50238_MV.wav')], {
    viewport: { width: 1366, height: 820 },
  })
  await app.page.getByTestId('hr-value').waitFor({ timeout: 60_000 })
}, 120_000)

afterAll(async () => {
  await app?.close()
})

describe('Settings on a busy app (Chromium, browser mode)', () => {
  it('waits for the settings before it can be edited, then applies what was typed', async () => {
    const { page, server } = app
    for (const high of [139, 131]) {
      server.freeze()
      await page.keyboard.press('F3')
      expect(await page.getByTestId('settings-apply').isDisabled()).toBe(true)
      // Typing waits for the field to be editable; the server is released meanwhile.
      const typed = page
        .getByTestId('alarm-high')
        .fill(String(high), { timeout: 20_000 })
        .then(() => page.getByTestId('settings-apply').click())
      await page.waitForTimeout(1500) // the app stays frozen this long: the time a busy laptop takes to answer
      server.resume()
      await typed
      await page.getByText('Settings applied').waitFor({ timeout: 15_000 })
      expect(await page.getByTestId('settings-error').count()).toBe(0)
      await page.keyboard.press('F1')
      await page.keyboard.press('F3')
      await expect.poll(() => page.getByTestId('alarm-high').inputValue(), { timeout: 10_000 }).toBe(String(high))
      await page.keyboard.press('F1')
    }
  }, 120_000)
})
