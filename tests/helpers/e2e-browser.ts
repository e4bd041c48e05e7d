/**
 * What the layout and exam end-to-end tests share: the built renderer (out/renderer, built when
 * missing; AUSCULTA_E2E_RENDERER points elsewhere, e.g. a private build while others rebuild
 * out/), Debian's Chromium through playwright-core, and a poll that reads the page (its CSP
 * forbids the string predicates of waitForFunction).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

const ROOT = join(__dirname, '../..')

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** The renderer folder to serve, built first when there is none. */
export function builtRendererDir(): string {
  const override = process.env.AUSCULTA_E2E_RENDERER
  if (override) return override
  const dir = join(ROOT, 'out/renderer')
  if (!existsSync(join(dir, 'index.html'))) {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`)
  }
  return dir
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** Polls `read` (run in the page) until `done` holds; returns the value that satisfied it. */
export async function pollPage<T>(page: Page, read: string, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = (await page.evaluate(read)) as T
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last read ${JSON.stringify(last)}`)
    await page.waitForTimeout(100)
    last = (await page.evaluate(read)) as T
  }
  return last
}
