/**
 * End to end (issue 16, item 1): no value outlives the signal it came from. The real backend in
 * browser mode (`ausculta serve` on a folder holding two CirCor samples and a file that is not a
 * WAV) driven through Debian's Chromium: Stop, a source that fails to start, a switch to another
 * source, and window events that stop arriving while the stream says it runs must each blank the
 * HR, the level and the strip chart at once and say why. Screenshots of each state at 1024×600
 * and 1920×1080 go to test-results/e2e/ (gitignored).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServedPage, type ServedPage, type ServeProcess } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/e2e')
/** The two screen sizes a bedside laptop spans (issue 16 §4): the smallest and a full-HD one. */
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1920, height: 1080 },
]
const DEFAULT_VIEWPORT = { width: 1366, height: 820 }
const BLANK = '– – –'

let app: ServedPage
let server: ServeProcess
let url: URL
let samplesDir: string
let dataDir: string
let context: BrowserContext
let page: Page

/**
 * What the live screen shows of the stream, read in the page (a string: it runs in the page, whose DOM types this file does
 * not compile against).
 */
interface Shown {
  hr: string
  hrReason: string
  hrState: string
  levelBlank: boolean
  levelText: string
  chartBlank: boolean
  chartReason: string
  status: string
}
const READ_SHOWN = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]')
  const text = (id) => (q(id)?.textContent ?? '').replace(/\\s+/g, ' ').trim()
  return {
    hr: text('hr-value'),
    hrReason: text('hr-no-reliable'),
    hrState: q('hr-panel')?.getAttribute('data-state') ?? '',
    levelBlank: q('level-meter')?.getAttribute('data-blank') === 'true',
    levelText: text('level-value'),
    chartBlank: globalThis.__auscultaChart?.blank === true && q('strip-chart-blank') !== null,
    chartReason: text('strip-chart-blank'),
    status: text('monitor-status'),
  }
})()`
const shown = async (on: Page = page): Promise<Shown> => (await on.evaluate(READ_SHOWN)) as Shown

/**
 * Polls what the screen shows until `done` holds (every `intervalMs`; the page's CSP forbids the
 * string predicates of waitForFunction). Returns the state that satisfied it.
 */
async function until(done: (s: Shown) => boolean, timeoutMs: number, what: string, on: Page = page, intervalMs = 40): Promise<Shown> {
  const deadline = Date.now() + timeoutMs
  let last = await shown(on)
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; the screen shows ${JSON.stringify(last)}; server ` +
          `log:\n${server.log().slice(-1500)}`,
      )
    await on.waitForTimeout(intervalMs)
    last = await shown(on)
  }
  return last
}

const isBlankWith =
  (reason: string) =>
  (s: Shown): boolean =>
    s.hr === BLANK && s.hrReason.includes(reason) && s.levelBlank && s.chartBlank && s.chartReason.includes(reason)

async function waitForNumber(timeoutMs: number, on: Page = page): Promise<number> {
  return Number((await until((s) => /^\d+$/.test(s.hr), timeoutMs, 'an HR number', on, 250)).hr)
}

async function startSource(id: string, on: Page = page): Promise<void> {
  await on.getByTestId('device-picker').selectOption(id)
  await on.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 15_000 })
}

/** The state at both screen sizes, for a person to look at (and the layout to stay whole). */
async function screenshots(name: string, on: Page = page): Promise<void> {
  for (const size of SIZES) {
    await on.setViewportSize(size)
    await on.waitForTimeout(150)
    await on.screenshot({ path: join(SHOTS, `blanking-${name}-${size.width}x${size.height}.png`) })
  }
  await on.setViewportSize(DEFAULT_VIEWPORT)
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  // The demo catalog offers every WAV of the demo's folder: two real recordings and one that is
  // not a WAV at all (a renamed or truncated file), which fails as the source starts.
  samplesDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-samples-'))
  for (const name of ['50238_MV.wav', '84740_PV.wav']) copyFileSync(join(ROOT, 'samples', name), join(samplesDir, name))
  writeFileSync(join(samplesDir, 'broken.wav'), 'this is not a RIFF file')
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-data-'))
  app = await openServedPage(['--no-devices', '--data-dir', dataDir, '--demo', join(samplesDir, '50238_MV.wav')], {
    viewport: DEFAULT_VIEWPORT,
  })
  ;({ server, context, page } = app)
  url = server.url
}, 180_000)

afterAll(async () => {
  await app?.close()
  for (const dir of [samplesDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('live screen: no value outlives its signal (Chromium, browser mode)', () => {
  it('Stop blanks the HR, the level and the strip chart within 1 s and says "Stopped"; nothing comes back', async () => {
    await page.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 30_000 })
    // The first window needs 5 s of audio and the display a few confident windows.
    const hr = await waitForNumber(60_000)
    const before = await shown()
    expect(before, `live screen before Stop; server log:\n${server.log().slice(-1500)}`).toMatchObject({
      levelBlank: false,
      chartBlank: false,
    })
    await screenshots('streaming')

    const clickedAt = Date.now()
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    await until(isBlankWith('Stopped'), 1000, `HR (was ${hr} bpm), level and chart blank with "Stopped" within 1 s of Stop`)
    console.log(`[e2e] Stop: HR (${hr} bpm), level and strip chart blank ${Date.now() - clickedAt} ms after the click`)
    // The bound is 0.5 s for the whole screen; 1 s: this brief's, on a loaded 2-core machine.
    expect(Date.now() - clickedAt).toBeLessThan(1000)
    expect((await shown()).status).toContain('Stopped')
    await screenshots('stopped')
    // A window analysed just before the stop, or a late chunk, must not bring a value back.
    const samples: Shown[] = []
    for (let i = 0; i < 12; i++) {
      samples.push(await shown())
      await page.waitForTimeout(250)
    }
    for (const s of samples) expect(s).toMatchObject({ hr: BLANK, levelBlank: true, chartBlank: true })
  }, 120_000)

  it('a source that fails to start blanks everything and says "Source failed" with the reason', async () => {
    // Streaming again first: the level and the chart have something to lose.
    await startSource('demo:50238_MV.wav')
    await until((s) => !s.levelBlank && !s.chartBlank, 10_000, 'the level and the chart of the running demo')
    await page.getByTestId('device-picker').selectOption('demo:broken.wav')
    const failed = await until(isBlankWith('Source failed'), 5000, 'HR, level and chart blank with "Source failed"')
    console.log(`[e2e] failed source: ${JSON.stringify(failed)}`)
    // The reason names the file and what is wrong with it, and nothing claims to be collecting signal.
    expect(failed.hrReason).toMatch(/^Source failed: .*broken\.wav/)
    expect(failed.hrState).toBe('source-failed')
    expect(failed.hrReason).not.toContain('Collecting')
    expect(failed.status).toContain('Source failed')
    await screenshots('source-failed')
  }, 60_000)

  it('switching source blanks at once ("Switching source…") and stays blank until the new source\'s first window', async () => {
    await startSource('demo:50238_MV.wav')
    await waitForNumber(60_000)
    // Every change of the HR panel, the level meter and the chart's overlay, timed in the page.
    await page.evaluate(
      `(() => {
      const records = []
      globalThis.__auscultaShown = records
      const read = () => records.push({ t: performance.now(), ...${READ_SHOWN} })
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: ` +
        `true, attributeFilter: ['data-state', 'data-blank'] })
      // The moment of the pick: the picker's change event, before the app's own handler (capture phase).
      document.addEventListener('change', () => (globalThis.__auscultaSwitchAt = performance.now()), { capture: true, once: true })
    })()`,
    )
    await page.getByTestId('device-picker').selectOption('demo:84740_PV.wav')
    await page.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 15_000 })
    // The new stream's first window: its data-state leaves warming-up (a number or a reason of its own).
    await until((s) => s.hrState !== 'warming-up' && s.hrState !== 'switching', 30_000, "the new source's first window", page, 250)
    await screenshots('after-switch')
    const { switchAt, records } = (await page.evaluate(
      `({ switchAt: globalThis.__auscultaSwitchAt, records: globalThis.__auscultaShown })`,
    )) as {
      switchAt: number
      records: Array<Shown & { t: number }>
    }
    const after = records.filter((r) => r.t >= switchAt)
    expect(after.length).toBeGreaterThan(0)
    // The first change after the pick already has everything blank and says why (the canvas
    // itself is repainted, empty, on the next animation frame: the overlay is what is checked here).
    expect(after[0]).toMatchObject({ hr: BLANK, hrReason: 'Switching source…', levelBlank: true, chartReason: 'Switching source…' })
    // The first window of the new source needs 5 s of its audio (played in real time): until
    // then no number, from either source; 4.5 s leaves 0.5 s for the picker's round trip.
    const firstWindow = after.find((r) => r.hrState !== 'warming-up' && r.hrState !== 'switching') as Shown & { t: number }
    const firstWindowS = (firstWindow.t - switchAt) / 1000
    console.log(
      `[e2e] switch: first window of the new source after ${firstWindowS.toFixed(2)} s; states seen ` +
        `${[...new Set(after.map((r) => r.hrState))].join(' → ')}`,
    )
    expect(firstWindowS).toBeGreaterThan(4.5)
    for (const r of after.filter((x) => x.t < firstWindow.t)) expect(r.hr).toBe(BLANK)
  }, 120_000)

  it('marks the HR stale when window events stop arriving while the stream says it runs (> 3 s)', async () => {
    // A second page whose WebSocket drops the window events on demand: the stream keeps running
    // (status and strip-chart chunks still arrive), only the analysis seems to have stalled.
    let dropWindows = false
    const watcher = await context.newPage()
    await watcher.routeWebSocket(/\/api/, (ws) => {
      const server = ws.connectToServer()
      server.onMessage((message) => {
        if (dropWindows && typeof message === 'string' && message.includes('"type":"window"')) return
        ws.send(message)
      })
    })
    try {
      await watcher.goto(url.href)
      await startSource('demo:50238_MV.wav', watcher)
      await waitForNumber(60_000, watcher)
      dropWindows = true
      const droppedAt = Date.now()
      const stale = await until(
        (s) => s.hr === BLANK && s.hrReason.startsWith('No new heart-rate reading'),
        6000,
        'the HR marked stale',
        watcher,
      )
      const staleAfterS = (Date.now() - droppedAt) / 1000
      console.log(`[e2e] window events withheld: HR blanked after ${staleAfterS.toFixed(2)} s: ${JSON.stringify(stale)}`)
      // The last window came up to 1 s before the drop; 3 s after it the HR goes: 2–4.5 s after the drop.
      expect(staleAfterS).toBeGreaterThan(2)
      expect(staleAfterS).toBeLessThan(4.5)
      expect(stale.hrState).toBe('stale')
      // The sound itself still comes: the level and the chart stay.
      expect(stale).toMatchObject({ levelBlank: false, chartBlank: false })
      await screenshots('stale', watcher)
      dropWindows = false
      await until((s) => s.hrState !== 'stale', 5000, 'the HR back once windows arrive again', watcher)
    } finally {
      await watcher.close()
    }
  }, 120_000)

  it('raised no page errors', () => {
    expect(server.log()).not.toContain('[pageerror]')
  })
})
