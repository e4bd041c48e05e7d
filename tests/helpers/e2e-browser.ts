/**
 * What the end-to-end tests share: the built app (out/, built when missing; AUSCULTA_E2E_RENDERER
 * points the renderer elsewhere, e.g. a private build while others rebuild out/), `ausculta serve`
 * in a child process, Debian's Chromium through playwright-core (a plain browser or one on a
 * profile folder of its own), and a poll that reads the page (its CSP forbids the string
 * predicates of waitForFunction).
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { stopProcess } from './child-process'

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

/** Builds out/ when it holds no renderer: scripts/test-all.sh builds first; a bare run on a fresh checkout builds here once. */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'out/renderer/index.html'))) return
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`)
}

/** The renderer folder to serve, built first when there is none. */
export function builtRendererDir(): string {
  const override = process.env.AUSCULTA_E2E_RENDERER
  if (override) return override
  ensureBuilt()
  return join(ROOT, 'out/renderer')
}

/** Chromium with the shared arguments and any a test adds (e.g. an autoplay policy). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] })
}

export interface ChromiumProfile {
  readonly context: BrowserContext
  /** The context's first page. */
  readonly page: Page
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>
}

/**
 * Chromium on a profile folder of its own (a persistent context: what a test that reloads, or
 * sets browser preferences, needs); `prepare` may write into the folder before the launch.
 */
export async function launchChromiumProfile(options: {
  viewport: { width: number; height: number }
  extraArgs?: readonly string[]
  prepare?: (userDataDir: string) => void
}): Promise<ChromiumProfile> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'ausculta-e2e-chromium-'))
  try {
    options.prepare?.(userDataDir)
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
      viewport: options.viewport,
    })
    const page = context.pages()[0] ?? (await context.newPage())
    return {
      context,
      page,
      close: async () => {
        await context.close()
        rmSync(userDataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true })
    throw error
  }
}

/** The browser-mode page's address, with the server's token as `ausculta serve` prints it. */
export function appUrl(server: { port: number; token: string }): string {
  return `http://127.0.0.1:${server.port}/?token=${encodeURIComponent(server.token)}`
}

export interface ServeProcess {
  /** The address `serve` printed, token included. */
  readonly url: URL
  /** Freezes the server (SIGSTOP) until `resume` (SIGCONT): an app too busy to answer, on demand. */
  freeze(): void
  resume(): void
  /** What the server printed (stdout and stderr) and what the test noted, e.g. page errors. */
  log(): string
  /** Notes the page's uncaught errors in the log as `[pageerror] …`. */
  watchPage(page: Page): void
  /** SIGTERM, SIGKILL after 10 s; resolves once the process is gone (it writes into its data folder until then). */
  stop(): Promise<void>
}

/** `ausculta serve --port 0 <args>` on the built app (built first when missing), once it has printed its address. */
export async function startServe(args: readonly string[]): Promise<ServeProcess> {
  ensureBuilt()
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [join(ROOT, 'bin/ausculta.js'), 'serve', '--port', '0', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.stderr.on('data', (data: Buffer) => (log += data.toString()))
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 60 s:\n${log}`)), 60_000)
    child.stdout.on('data', (data: Buffer) => {
      log += data.toString()
      const match = /Ausculta browser mode: (http:\/\/\S+)/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve(new URL(match[1] as string))
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${child.exitCode ?? child.signalCode}:\n${log}`))
    })
  })
  return {
    url,
    freeze: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    log: () => log,
    watchPage: (page) => page.on('pageerror', (error) => (log += `\n[pageerror] ${error.message}`)),
    stop: () => stopProcess(child),
  }
}

export interface ServedBrowser {
  readonly server: ServeProcess
  readonly browser: Browser
  /** Closes Chromium, then stops the server. */
  close(): Promise<void>
}

/** `ausculta serve <serveArgs>` and a Chromium to open it in (what a test that opens a page per case needs). */
export async function startServedBrowser(serveArgs: readonly string[], extraChromiumArgs: readonly string[] = []): Promise<ServedBrowser> {
  const server = await startServe(serveArgs)
  const browser = await launchChromium(extraChromiumArgs).catch(async (error: unknown) => {
    await server.stop()
    throw error
  })
  return {
    server,
    browser,
    close: async () => {
      await browser.close()
      await server.stop()
    },
  }
}

export interface ServedPage {
  readonly server: ServeProcess
  readonly context: BrowserContext
  /** On the app, its uncaught errors noted in the server's log. */
  readonly page: Page
  /** Closes Chromium (its profile removed), then stops the server. */
  close(): Promise<void>
}

/**
 * `ausculta serve <serveArgs>` opened in Chromium on a profile of its own (so a reload keeps what
 * the app stored); `beforeLoad` runs before the page loads the app (listeners, init scripts).
 */
export async function openServedPage(
  serveArgs: readonly string[],
  options: {
    viewport: { width: number; height: number }
    extraArgs?: readonly string[]
    beforeLoad?: (page: Page) => Promise<void>
  },
): Promise<ServedPage> {
  const server = await startServe(serveArgs)
  let profile: ChromiumProfile | undefined
  try {
    profile = await launchChromiumProfile({ viewport: options.viewport, ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}) })
    const { context, page } = profile
    server.watchPage(page)
    await options.beforeLoad?.(page)
    await page.goto(server.url.href)
    const opened = profile
    return {
      server,
      context,
      page,
      close: async () => {
        await opened.close()
        await server.stop()
      },
    }
  } catch (error) {
    await profile?.close()
    await server.stop()
    throw error
  }
}

/**
 * Keeps a copy of each recording-length buffer the page hands to Web Audio (session playback) in
 * `globalThis.__auscultaPlayed`, so a test can check what is played; the real AudioBuffer still
 * gets the samples. A string: it runs in the page, whose DOM types the Node-side test does not
 * compile against.
 */
export async function keepPlayedAudio(target: Page | BrowserContext): Promise<void> {
  await target.addInitScript(
    `(() => {
    const copyToChannel = AudioBuffer.prototype.copyToChannel
    AudioBuffer.prototype.copyToChannel = function (source, channel, start) {
      if (this.length >= this.sampleRate) globalThis.__auscultaPlayed = { sampleRateHz: this.sampleRate, samples: ` +
      `Float32Array.from(source) }
      return copyToChannel.call(this, source, channel, start)
    }
  })()`,
  )
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
