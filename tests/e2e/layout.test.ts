/**
 * End to end (issue 16, item 4): every screen fits any laptop screen. Each screen (Live, Exam,
 * Sessions with a session and its annotations open, Settings) at 1024×600, 1366×768 and
 * 1920×1080, and at 1366×768 with a 20-px default font (what a larger OS text size gives), is
 * checked geometrically in Chromium:
 *
 * - nothing overflows the window sideways (the page never scrolls horizontally);
 * - the top bar is one row and none of its words wraps;
 * - no button, field, chart or heading is covered by another element (the element found at the
 *   centre of its visible part is itself or inside it) or overlaps another control;
 * - nothing is cut off: a control lies inside the window horizontally, and an ancestor that clips
 *   it (overflow hidden or scrolling) can scroll to show the rest;
 * - charts keep a readable size (a canvas at least 40 px wide and 24 px tall).
 *
 * The checks read bounding boxes in the page, so they keep passing as the screens change and
 * fail on the defects of the issue (a details form over the annotation table's Delete buttons, a
 * wrapped top bar, a cut-off layer table). Screenshots of every case go to test-results/layout/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { SessionSummary } from '../../src/core/api/contract'
import type { VisitInfo } from '../../src/core/api/visit-contract'
import { connectApi, startBrowserModeProcess, type ApiConnection, type BrowserModeProcess } from '../helpers/browser-mode-process'
import { appUrl, builtRendererDir, launchChromiumProfile, type ChromiumProfile } from '../helpers/e2e-browser'

const ROOT = join(__dirname, '../..')
const SHOTS = join(ROOT, 'test-results/layout')
/** The smallest laptop screen in use, a common one and full HD (issue 16, item 4). */
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
]
const SCREENS = ['live', 'exam', 'sessions', 'settings'] as const
type ScreenId = (typeof SCREENS)[number]

let server: BrowserModeProcess
let client: ApiConnection
let dataDir: string
const profiles: ChromiumProfile[] = []
const pageErrors: string[] = []

/**
 * The geometric checks, run in the page (a string: it runs there, against DOM types this file
 * does not compile against). Returns the problems found, each naming the element.
 */
const CHECK_LAYOUT = `(() => {
  const problems = []
  // Scroll positions as they are, put back at the end (the checks scroll hidden elements into view).
  const scrollers = [...document.querySelectorAll('*')].filter((e) => e.scrollHeight > e.clientHeight || e.scrollWidth > e.clientWidth)
  const positions = scrollers.map((e) => [e, e.scrollTop, e.scrollLeft])
  const vw = document.documentElement.clientWidth
  const vh = document.documentElement.clientHeight
  const name = (el) => {
    const id = el.getAttribute('data-testid')
    const label = el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || ''
    const text = label.replace(/\\s+/g, ' ').trim().slice(0, 40)
    return el.tagName.toLowerCase() + (id ? '[' + id + ']' : '') + (text ? ' "' + text + '"' : '')
  }
  // checkVisibility: also false inside a closed <details> (its content is laid out but not rendered).
  const visible = (el) => {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) return false
    const r = el.getBoundingClientRect()
    return r.width > 0 && r.height > 0 && !el.closest('[hidden], dialog:not([open]), .visually-hidden')
  }
  // Lines of text in el: its text nodes' boxes, two boxes on one line when they share most of their height.
  const textLines = (el) => {
    const boxes = []
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue
      const range = document.createRange()
      range.selectNodeContents(node)
      boxes.push(...[...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0))
    }
    const lines = []
    for (const b of boxes.sort((x, y) => x.top - y.top)) {
      const line = lines.find((l) => Math.min(l.bottom, b.bottom) - Math.max(l.top, b.top) > 0.5 * Math.min(l.bottom - l.top, b.height))
      if (line) { line.top = Math.min(line.top, b.top); line.bottom = Math.max(line.bottom, b.bottom) }
      else lines.push({ top: b.top, bottom: b.bottom })
    }
    return lines.length
  }
  // The part of el that its clipping ancestors let through, and whether a clipping ancestor that cannot scroll cut it.
  const visiblePart = (el) => {
    const r = el.getBoundingClientRect()
    let left = r.left, top = r.top, right = r.right, bottom = r.bottom
    let cutBy = null
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a)
      const clipsX = s.overflowX !== 'visible', clipsY = s.overflowY !== 'visible'
      if (!clipsX && !clipsY) continue
      const ar = a.getBoundingClientRect()
      const canScrollX = (s.overflowX === 'auto' || s.overflowX === 'scroll') && a.scrollWidth > a.clientWidth + 1
      const canScrollY = (s.overflowY === 'auto' || s.overflowY === 'scroll') && a.scrollHeight > a.clientHeight + 1
      if (clipsX) {
        if ((left < ar.left - 1 || right > ar.right + 1) && !canScrollX && !cutBy) cutBy = a
        left = Math.max(left, ar.left); right = Math.min(right, ar.right)
      }
      if (clipsY) {
        if ((top < ar.top - 1 || bottom > ar.bottom + 1) && !canScrollY && !cutBy) cutBy = a
        top = Math.max(top, ar.top); bottom = Math.min(bottom, ar.bottom)
      }
    }
    return { left, top, right: Math.min(right, vw), bottom: Math.min(bottom, vh), cutBy }
  }

  // 1. Nothing wider than the window.
  if (document.documentElement.scrollWidth > vw + 1)
    problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' px wide in a ' + vw + '-px window')

  // 2. The top bar is one row and nothing in it wraps.
  const bar = document.querySelector('header')
  if (bar) {
    const items = [...bar.querySelectorAll('button, a, [data-testid], .brand, span')].filter(visible)
    for (const el of items) {
      const lines = textLines(el)
      if (lines > 1) problems.push('top bar: ' + name(el) + ' wraps onto ' + lines + ' lines')
    }
    const controls = [...bar.querySelectorAll('button, select, input')].filter(visible)
    const rows = new Set(controls.map((el) => Math.round((el.getBoundingClientRect().top + el.getBoundingClientRect().bottom) / 2 / 12)))
    if (rows.size > 1) problems.push('top bar: its controls are on ' + rows.size + ' rows')
    const br = bar.getBoundingClientRect()
    if (br.right > vw + 1) problems.push('top bar: ' + Math.round(br.right - vw) + ' px past the window')
  }

  // 3 and 4. Every key element: inside the window, not cut off, not covered, not overlapping another control.
  const keys = [...document.querySelectorAll('button, select, input, textarea, a[href], canvas, h1, h2, h3, [role="progressbar"]')]
    .filter(visible)
  const interactive = (el) => el.matches('button, select, input, textarea, a[href]')
  const parts = new Map()
  const empty = (p) => p.right - p.left < 1 || p.bottom - p.top < 1
  for (const el of keys) {
    let part = visiblePart(el)
    // Scrolled out of view: scrolled to, then checked like the rest (what covered the Delete buttons lay below the fold).
    if (empty(part)) {
      el.scrollIntoView({ block: 'center', inline: 'nearest' })
      part = visiblePart(el)
    }
    parts.set(el, part)
    const r = el.getBoundingClientRect()
    if (empty(part)) continue
    if (r.left < -1 || r.right > vw + 1)
      problems.push('cut off sideways: ' + name(el) + ' spans x ' + Math.round(r.left) + '..' + Math.round(r.right))
    if (part.cutBy) problems.push('cut off: ' + name(el) + ' is clipped by ' + name(part.cutBy) + ', which cannot scroll')
    // 24 px: the session overview strip (a navigation bar, 28 px) passes; a plot squeezed to a sliver does not.
    if (el.tagName === 'CANVAS' && (r.width < 40 || r.height < 24))
      problems.push('too small to read: ' + name(el) + ' is ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px')
    const x = (part.left + part.right) / 2, y = (part.top + part.bottom) / 2
    if (x < 0 || y < 0 || x >= vw || y >= vh) continue
    const hit = document.elementFromPoint(x, y)
    if (hit && hit !== el && !el.contains(hit) && !(el.tagName === 'CANVAS' && hit.closest('[data-testid="strip-chart-blank"]')))
      problems.push('covered: ' + name(el) + ' lies under ' + name(hit))
  }
  // Overlaps, with every box measured now (the scrolling above moved some).
  const controls = keys.filter(interactive)
  for (const el of controls) parts.set(el, visiblePart(el))
  for (let i = 0; i < controls.length; i++) {
    const a = parts.get(controls[i])
    if (empty(a)) continue
    for (let j = i + 1; j < controls.length; j++) {
      if (controls[i].contains(controls[j]) || controls[j].contains(controls[i])) continue
      const b = parts.get(controls[j])
      const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left)
      const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)
      if (dx > 2 && dy > 2) problems.push('overlap: ' + name(controls[i]) + ' and ' + name(controls[j]))
    }
  }
  for (const [e, top, left] of positions) {
    e.scrollTop = top
    e.scrollLeft = left
  }
  return [...new Set(problems)]
})()`

async function openScreen(page: Page, screen: ScreenId): Promise<void> {
  await page.getByTestId(`nav-${screen}`).click()
  if (screen === 'sessions') {
    // A session open with its annotations: the form and the table that once covered each other.
    await page.locator('[data-testid="session-item"], [data-testid^="visit-site-"]').first().click()
    await page.getByTestId('session-title').waitFor({ timeout: 15_000 })
  }
  if (screen === 'exam') await page.getByTestId('exam-checklist').waitFor({ timeout: 10_000 })
  await page.waitForTimeout(600)
}

async function newPage(defaultFontPx: number | null): Promise<Page> {
  const profile = await launchChromiumProfile({
    viewport: SIZES[0]!,
    prepare: (userDataDir) => {
      if (defaultFontPx === null) return
      // Chromium's "font size" setting: what a larger OS or browser text size gives a page that uses rem.
      mkdirSync(join(userDataDir, 'Default'), { recursive: true })
      writeFileSync(
        join(userDataDir, 'Default/Preferences'),
        JSON.stringify({ webkit: { webprefs: { default_font_size: defaultFontPx, default_fixed_font_size: defaultFontPx } } }),
      )
    },
  })
  profiles.push(profile)
  const page = profile.page
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(appUrl(server))
  await page.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 30_000 })
  // The exam under way (a visit with two sites recorded) is shown by the exam screen.
  await page.evaluate(`localStorage.setItem('ausculta.exam.visitId', ${JSON.stringify(visitId)})`)
  return page
}

let visitId = ''

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-layout-'))
  server = await startBrowserModeProcess({ dataDir, rendererDir: builtRendererDir() })
  client = await connectApi(server)
  const { api } = client
  // The shipped model, so the live screen shows what it shows at the bedside (an HR, the layer table in the expert view).
  await api.invoke('settings:update', { modelPath: join(ROOT, 'models/ausculta-encoder.onnx') })
  // A library to lay out: a visit with two sites, and a plain recording with annotations.
  const visit: VisitInfo = await api.invoke('visits:start', { patientId: 'P-0042', patientName: 'Ada Lovelace' })
  visitId = visit.id
  const waitForStop = (): Promise<void> =>
    vi.waitFor(async () => expect((await api.invoke('recording:status', {})).recording, 'a clip did not stop by itself').toBe(false), {
      timeout: 30_000,
      interval: 100,
    })
  for (const point of ['AV', 'PV'] as const) {
    await api.invoke('visits:record', { id: visit.id, point, clipS: 2 })
    await waitForStop()
  }
  await api.invoke('recording:start', { location: 'MV', patientId: 'P-0043' })
  // 2.5 s of audio, so the marks and the span below (up to 1.5 s) fall inside the recording.
  await vi.waitFor(async () => expect((await api.invoke('recording:status', {})).elapsedS).toBeGreaterThanOrEqual(2.5), {
    timeout: 30_000,
    interval: 100,
  })
  const summary = (await api.invoke('recording:stop', {})) as SessionSummary
  for (const [k, label] of ['S1', 'S2', 'murmur', 'click'].entries())
    await api.invoke('sessions:edit', { id: summary.id, edit: { type: 'addMarker', timeS: 0.3 + 0.4 * k, label } })
  await api.invoke('sessions:edit', { id: summary.id, edit: { type: 'addSpan', startS: 0.5, endS: 1.2, spanKind: 'murmur' } })
  await api.invoke('sessions:update', { id: summary.id, notes: 'Soft systolic murmur at the apex, louder on expiration.' })
}, 120_000)

afterAll(async () => {
  for (const profile of profiles) await profile.close().catch(() => undefined)
  client?.close()
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('layout on laptop screens (Chromium, browser mode)', () => {
  it('every screen fits 1024×600, 1366×768 and 1920×1080: no sideways overflow, one-row top bar, nothing covered or cut off', async () => {
    const page = await newPage(null)
    const found: string[] = []
    for (const screen of SCREENS) {
      await openScreen(page, screen)
      for (const size of SIZES) {
        await page.setViewportSize(size)
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(SHOTS, `${screen}-${size.width}x${size.height}.png`) })
        const problems = (await page.evaluate(CHECK_LAYOUT)) as string[]
        found.push(...problems.map((p) => `${screen} at ${size.width}×${size.height}: ${p}`))
      }
    }
    // The expert view (X): the layer-diagnostics table joins the live screen (it was once cut off and over the level meter).
    await openScreen(page, 'live')
    await page.getByRole('button', { name: /Expert view/ }).click()
    await page.getByTestId('layer-table').waitFor({ timeout: 5000 })
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(SHOTS, `live-expert-${size.width}x${size.height}.png`) })
      const problems = (await page.evaluate(CHECK_LAYOUT)) as string[]
      found.push(...problems.map((p) => `live, expert view, at ${size.width}×${size.height}: ${p}`))
    }
    await page.getByRole('button', { name: /Expert view/ }).click()

    // Recording: the top bar carries the running time as well (it once wrapped at 1024 px).
    await client.api.invoke('recording:start', { location: 'MV' })
    try {
      for (const screen of ['live', 'exam'] as const) {
        await openScreen(page, screen)
        for (const size of SIZES) {
          await page.setViewportSize(size)
          await page.getByTestId('recording-time').waitFor({ timeout: 5000 })
          await page.waitForTimeout(300)
          await page.screenshot({ path: join(SHOTS, `${screen}-recording-${size.width}x${size.height}.png`) })
          const problems = (await page.evaluate(CHECK_LAYOUT)) as string[]
          found.push(...problems.map((p) => `${screen} while recording at ${size.width}×${size.height}: ${p}`))
        }
      }
    } finally {
      await client.api.invoke('recording:stop', {})
    }
    expect(found).toEqual([])
    expect(pageErrors).toEqual([])
  }, 240_000)

  it('with a larger text size (20-px default font, 125 %) every screen still fits 1366×768', async () => {
    const page = await newPage(20)
    // rem units: the app's text follows the browser's (and the OS's) text size.
    expect(await page.evaluate('parseFloat(getComputedStyle(document.documentElement).fontSize)')).toBe(20)
    const found: string[] = []
    for (const screen of SCREENS) {
      await openScreen(page, screen)
      await page.setViewportSize({ width: 1366, height: 768 })
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(SHOTS, `${screen}-1366x768-font20.png`) })
      const problems = (await page.evaluate(CHECK_LAYOUT)) as string[]
      found.push(...problems.map((p) => `${screen} at 1366×768, 20-px text: ${p}`))
    }
    expect(found).toEqual([])
  }, 180_000)
})
