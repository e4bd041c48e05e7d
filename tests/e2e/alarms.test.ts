/**
 * End to end (issue 16, items 2 and 3): alarms after IEC 60601-1-8 and the bedside / expert
 * views, on the real backend in browser mode (`ausculta serve` on a CirCor sample) driven
 * through Debian's Chromium. The high-HR limit is set through Settings below the demo's HR, so
 * the real monitor raises a medium-priority alarm; the test hears it (the Web Audio output
 * recorded in the page), pauses its sound and watches the countdown, acknowledges it (colour
 * and "HR n > limit" kept), clears it by raising the limit, and finds the transitions in the
 * alarm log and in the recording's markers. Screenshots at 1024×600 and 1920×1080 go to
 * test-results/e2e/ (gitignored; docs/screenshots/ holds a chosen pair).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { burstFor } from '../../src/core/alarms/alarm-tones'
import { openServedPage, type ServedPage, type ServeProcess } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
const AUTOPLAY = [
  // A bedside monitor sounds without waiting for a click (Electron's default; the banner says so where a browser holds it back).
  '--autoplay-policy=no-user-gesture-required',
]
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1920, height: 1080 },
]
const DEFAULT_VIEWPORT = { width: 1366, height: 820 }
const MEDIUM = burstFor('medium')

let app: ServedPage
let server: ServeProcess
let samplesDir: string
let dataDir: string
let page: Page

interface Burst {
  priority: string
  startS: number
  pulses: Array<{ startS: number; durationS: number; frequencyHz: number }>
}

/** Polls `read` until `done` holds (the page's CSP forbids waitForFunction's string predicates). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = await read()
  while (!done(last)) {
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(SHOTS, 'alarm-timeout.png') }).catch(() => undefined)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}; server log:\n${server.log().slice(-1500)}`,
      )
    }
    await page.waitForTimeout(200)
    last = await read()
  }
  return last
}

const bursts = async (): Promise<Burst[]> => (await page.evaluate('globalThis.__auscultaAlarmSound?.scheduled ?? []')) as Burst[]
const hrText = async (): Promise<string> => ((await page.getByTestId('hr-value').textContent()) ?? '').trim()
interface BannerState {
  count: number
  state: string | null
  kind: string | null
  value: string
  background: string
}
const banner = async (): Promise<BannerState> =>
  (await page.evaluate(`(() => {
    const b = document.querySelector('[data-testid="alarm-banner"]')
    return {
      count: document.querySelectorAll('[data-testid="alarm-banner"]').length,
      state: b?.getAttribute('data-state') ?? null,
      kind: b?.getAttribute('data-kind') ?? null,
      value: (b?.querySelector('[data-testid="alarm-value"]')?.textContent ?? '').trim(),
      // The colour itself, not the flash (a brightness filter on top of it).
      background: b ? getComputedStyle(b).backgroundColor : '',
    }
  })()`)) as BannerState

async function setLimits(high: number, sustain: number): Promise<void> {
  await page.keyboard.press('F3')
  await page.getByTestId('alarm-high').fill(String(high))
  await page.getByTestId('alarm-sustain').fill(String(sustain))
  await page.getByTestId('settings-apply').click()
  await page
    .getByText('Settings applied')
    .waitFor({ timeout: 10_000 })
    .catch(async (error: unknown) => {
      await page.screenshot({ path: join(SHOTS, 'alarm-settings-timeout.png') })
      const shown = await page
        .getByTestId('settings-error')
        .textContent({ timeout: 1000 })
        .catch(() => null)
      throw new Error(`Settings not applied (${shown ?? 'no error shown'}): ${(error as Error).message}`)
    })
  await page.keyboard.press('F1')
}

async function screenshots(name: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size)
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, `alarm-${name}-${size.width}x${size.height}.png`) })
  }
  await page.setViewportSize(DEFAULT_VIEWPORT)
}

/**
 * Runs of 1-ms blocks louder than `level`, as [startS, endS] from the recording's start. Gaps
 * under 30 ms are joined: on a loaded machine the page's recording tap misses a buffer now and
 * then (a 1–3 ms hole inside a pulse), while the pulses' own spacing is 150 ms.
 */
function loudRuns(peaks: number[], blockS: number, level: number): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  let start = -1
  peaks.forEach((p, i) => {
    if (p >= level && start < 0) start = i
    if (p < level && start >= 0) {
      const [a, b] = [start * blockS, i * blockS]
      const last = runs[runs.length - 1]
      if (last && a - last[1] < 0.03) last[1] = b
      else runs.push([a, b])
      start = -1
    }
  })
  return runs
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  samplesDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-alarm-samples-'))
  copyFileSync(join(ROOT, 'samples', '50238_MV.wav'), join(samplesDir, '50238_MV.wav'))
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-alarm-data-'))
  app = await openServedPage(['--no-devices', '--data-dir', dataDir, '--demo', join(samplesDir, '50238_MV.wav')], {
    viewport: DEFAULT_VIEWPORT,
    extraArgs: AUTOPLAY,
  })
  ;({ server, page } = app)
}, 180_000)

afterAll(async () => {
  await app?.close()
  for (const dir of [samplesDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('alarms and views (Chromium, browser mode)', () => {
  it('bedside view by default: HR, trend, a readable beat-interval plot with its caption, the alarm state; no layer table', async () => {
    await page.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 30_000 })
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await page.waitForTimeout(300)
      expect(await page.getByTestId('expert-diagnostics').count()).toBe(0)
      const plot = await page.getByTestId('beat-interval-plot').boundingBox()
      // The issue saw it squeezed to 22–35 px: at least 70 px (its minimum) at the smallest screen.
      expect(plot?.height ?? 0, `beat-interval plot at ${size.width}×${size.height}`).toBeGreaterThanOrEqual(70)
      // The caption is shown whole inside its panel (on a short screen the page scrolls to it; it is never clipped).
      const caption = page.locator('.beat-intervals figcaption')
      await caption.scrollIntoViewIfNeeded()
      expect(await caption.isVisible()).toBe(true)
      const box = await caption.boundingBox()
      const panel = await page.locator('section.beats').boundingBox()
      expect(box?.height ?? 0).toBeGreaterThan(8)
      expect((box?.y ?? 1e9) + (box?.height ?? 0), 'caption inside its panel').toBeLessThanOrEqual((panel?.y ?? 0) + (panel?.height ?? 0))
      expect(await page.getByTestId('alarm-state').textContent()).toContain('None active')
    }
    await page.setViewportSize(DEFAULT_VIEWPORT)
    await screenshots('bedside')
  }, 60_000)

  it('a settings field left empty says what to enter, in words', async () => {
    await page.keyboard.press('F3')
    await page.getByTestId('alarm-high').fill('')
    await page.getByTestId('settings-apply').click()
    const message = (await page.getByTestId('settings-error').textContent()) ?? ''
    expect(message).toContain('High heart-rate limit: enter a number from 30 to 300 bpm')
    expect(message).not.toMatch(/field '|Invalid input|received null/)
    expect(await page.getByTestId('alarm-high').getAttribute('aria-invalid')).toBe('true')
    // No environment variables, raw paths of the app's internals or validation jargon on the screen.
    const text = (await page.locator('main').textContent()) ?? ''
    const envLike = /\$[A-Z_]{3,}|[A-Z]{3,}_[A-Z_]{3,}|process\.env/.exec(text)
    expect(
      envLike?.[0] ?? null,
      `Settings shows ${JSON.stringify(text.slice(Math.max(0, (envLike?.index ?? 0) - 200), (envLike?.index ?? 0) + 200))}`,
    ).toBeNull()
    await screenshots('settings-empty-limit')
    await page.keyboard.press('F1')
  }, 30_000)

  it('HR above the limit: medium alarm raised with "HR n > limit", its 3-pulse burst scheduled and heard', async () => {
    const hr = Number(await until(hrText, (t) => /^\d+$/.test(t), 90_000, 'an HR number'))
    // Start a recording first: its markers are the session's alarm log.
    await page.keyboard.press('r')
    // Well below the demo's HR (it wanders a few bpm), above the default low limit.
    const limit = Math.max(46, hr - 25)
    await setLimits(limit, 2)
    const raised = await until(banner, (b) => b.state === 'raised', 30_000, 'the high-HR alarm')
    expect(raised.kind).toBe('hr-high')
    expect(raised.value).toMatch(new RegExp(`^HR \\d+ > ${limit}$`))
    expect(Number(/HR (\d+)/.exec(raised.value)?.[1])).toBeGreaterThan(limit)
    expect(await page.locator('[data-testid="alarm-banner"]').getAttribute('data-priority')).toBe('medium')

    // Scheduled: the medium burst of the core module (3 pulses, 200 ms, 150 ms apart), then the next one tb later.
    const two = await until(bursts, (b) => b.length >= 2, 15_000, 'two bursts')
    const [first, second] = two as [Burst, Burst]
    expect(first.priority).toBe('medium')
    expect(first.pulses).toHaveLength(3)
    for (let i = 1; i < 3; i++) {
      const gap = (first.pulses[i] as Burst['pulses'][0]).startS - (first.pulses[i - 1] as Burst['pulses'][0]).startS - 0.2
      expect(gap).toBeCloseTo(0.15, 6)
    }
    expect(first.pulses.map((p) => p.frequencyHz)).toEqual(MEDIUM.pulses.map((p) => p.frequencyHz))
    // On the audio clock, exactly: burst length + interburst interval.
    expect(second.startS - first.startS).toBeCloseTo(MEDIUM.durationS + MEDIUM.interburstS, 6)

    // Heard: the page's alarm output recorded over one burst period holds 3 pulses of the right length and spacing.
    const period = MEDIUM.durationS + MEDIUM.interburstS
    const recorded = (await page.evaluate(`globalThis.__auscultaAlarmSound.record(${period + 0.5})`)) as { blockS: number; peaks: number[] }
    const runs = loudRuns(recorded.peaks, recorded.blockS, 0.05)
    const whole = runs.filter(([a, b]) => a > 0 && b < recorded.peaks.length * recorded.blockS)
    console.log(`[e2e] alarm output: ${runs.length} loud runs ${JSON.stringify(runs.map(([a, b]) => [a.toFixed(3), b.toFixed(3)]))}`)
    // The output carried the burst at its level (peak -6 dBFS) and was silent between bursts: 0.6 s of pulses in a 6.45-s
    // period is 9 %. Only that: headless Chromium's audio thread on a loaded 2-core machine drops and stretches buffers, so
    // the pulse timing is asserted on the audio clock above (and on the samples themselves in tests/core/alarms/).
    expect(whole.length).toBeGreaterThanOrEqual(1)
    expect(Math.max(...recorded.peaks)).toBeGreaterThan(0.3)
    const loudShare = recorded.peaks.filter((p) => p >= 0.05).length / recorded.peaks.length
    expect(loudShare).toBeGreaterThan(0.03)
    expect(loudShare).toBeLessThan(0.3)
    await screenshots('raised')
  }, 180_000)

  it('audio pause: a 2-min countdown, no burst while it runs, sound again on "Sound on"', async () => {
    await page.getByTestId('alarm-pause').click()
    const countdown = page.getByTestId('alarm-pause-countdown')
    expect(await countdown.textContent()).toMatch(/(2:00|1:59)/)
    const before = (await bursts()).length
    await page.waitForTimeout(MEDIUM.durationS * 1000 + MEDIUM.interburstS * 1000 + 500)
    expect((await bursts()).length, 'no burst while paused').toBe(before)
    expect(await countdown.textContent()).toMatch(/1:5\d/)
    // The alarm itself stays raised and visible while its sound is paused.
    expect((await banner()).state).toBe('raised')
    await screenshots('paused')
    await page.getByTestId('alarm-pause').click()
    await until(bursts, (b) => b.length > before, 3_000, 'a burst at once after "Sound on"')
  }, 60_000)

  it('acknowledged: the sound stops, the colour and the value against the limit stay while HR is above it', async () => {
    const raised = await banner()
    await page.keyboard.press('a')
    const acknowledged = await until(banner, (b) => b.state === 'acknowledged', 5_000, 'the acknowledgement')
    expect(acknowledged.background).toBe(raised.background)
    expect(acknowledged.background).toBe('rgb(255, 212, 0)') // IEC medium: yellow
    expect(acknowledged.value).toMatch(/^HR \d+ > \d+$/)
    const count = (await bursts()).length
    await page.waitForTimeout(MEDIUM.durationS * 1000 + MEDIUM.interburstS * 1000 + 500)
    expect((await bursts()).length, 'no burst once acknowledged').toBe(count)
    expect((await banner()).state).toBe('acknowledged')
    await screenshots('acknowledged')
  }, 60_000)

  it('cleared when HR is back inside the limits; the log and the recording keep raised → acknowledged → cleared', async () => {
    await setLimits(200, 2)
    await until(banner, (b) => b.count === 0, 20_000, 'the alarm to clear')
    const log = (await page.getByTestId('alarm-log').textContent()) ?? ''
    for (const words of ['Heart rate high raised', 'Heart rate high acknowledged', 'Heart rate high cleared', 'Alarm audio paused']) {
      expect(log).toContain(words)
    }
    // Local wall-clock times (hh:mm:ss), not stream seconds.
    expect(log).toMatch(/\d{1,2}:\d{2}:\d{2}/)
    await page.keyboard.press('r')
    const annotations = await until(
      async () => {
        const files = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('annotations.json'))
        return files.map((f) => readFileSync(join(dataDir, f), 'utf8')).join('\n')
      },
      (text) => text.includes('cleared'),
      15_000,
      "the recording's annotations with the alarm log",
    )
    expect(annotations).toMatch(/Alarm: Heart rate high raised · HR \d+ > \d+/)
    expect(annotations).toContain('Alarm: Heart rate high acknowledged')
    expect(annotations).toContain('Alarm: Heart rate high cleared')
  }, 60_000)

  it('expert view: X shows the layer diagnostics, remembered across a reload; X again returns to the bedside view', async () => {
    await page.keyboard.press('x')
    await page.getByTestId('expert-diagnostics').waitFor({ timeout: 5_000 })
    await screenshots('expert')
    await page.reload()
    await page.getByTestId('expert-diagnostics').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('expert-toggle').getAttribute('aria-pressed')).toBe('true')
    await page.getByTestId('expert-toggle').click()
    await until(
      async () => page.getByTestId('expert-diagnostics').count(),
      (n) => n === 0,
      5_000,
      'the bedside view',
    )
    // The shortcut is listed.
    await page.keyboard.press('?')
    const help = (await page.getByTestId('shortcut-help').textContent()) ?? ''
    expect(help).toContain('Expert view')
    expect(help).toContain('Pause the alarm sound')
  }, 60_000)
})
