/**
 * The live screen's Electron-mode listening controls in Chromium, end to end: the built renderer
 * (built here into a temporary folder, so a stale `out/` cannot hide a change), served by the
 * browser-mode server in front of a real app service in 'electron' mode (real Monitor, demo
 * source in real time, the addon output on a private PulseAudio null sink). An init script gives
 * the page a `window.ausculta` over the server's WebSocket, as the preload gives it one over IPC,
 * so the page takes its Electron path: the output picker, the status line, and L / 1 / + acting
 * on the main process's stream instead of Web Audio. `parec` on the sink's monitor checks what
 * is actually heard.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchApiRequest, type ListeningStatus } from '../../src/core/api/contract'
import { AppService, defaultAppSettings } from '../../src/main/api/app-service'
import { DemoDeviceCatalog } from '../../src/main/api/demo-catalog'
import { FsSessionLibrary } from '../../src/main/api/session-library-port'
import { startBrowserServer, type RunningBrowserServer } from '../../src/main/browser/browser-server'
import { Monitor } from '../../src/main/engine/monitor'
import { audioPrerequisites } from '../main/devices/helpers/audio'
import { startPulse, type PulseDaemon } from '../main/devices/helpers/pulse'
import { missingTools } from '../main/devices/helpers/tools'

const ROOT = join(__dirname, '../..')
const SAMPLE = '50238_MV.wav'
const RATE_HZ = 4000
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]
const SHOTS = join(ROOT, 'test-results/e2e')

const { binding, skip } = audioPrerequisites()
const addonHasOutput = binding !== undefined && 'OutputStream' in binding
const noChromium = missingTools(['chromium']).length > 0
function pactl(pulse: PulseDaemon, ...args: string[]): string {
  const result = spawnSync('pactl', args, { env: pulse.env, encoding: 'utf8', timeout: 10_000 })
  if (result.status !== 0) throw new Error(`pactl ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

/** Peak of what plays into ausculta_sink over `seconds` (its monitor, through parec). */
function sinkPeak(pulse: PulseDaemon, seconds: number): Promise<{ peak: number; frames: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'parec',
      ['--device=ausculta_mic', '--raw', '--format=float32le', `--rate=${RATE_HZ}`, '--channels=1', '--latency-msec=20'],
      { env: pulse.env },
    )
    const parts: Buffer[] = []
    child.stdout.on('data', (part: Buffer) => parts.push(part))
    child.on('error', reject)
    child.on('exit', () => {
      const bytes = Buffer.concat(parts)
      let peak = 0
      for (let i = 0; i + 4 <= bytes.length; i += 4) peak = Math.max(peak, Math.abs(bytes.readFloatLE(i)))
      resolve({ peak, frames: Math.floor(bytes.length / 4) })
    })
    setTimeout(() => child.kill('SIGTERM'), seconds * 1000)
  })
}

/** The preload's two methods over the browser-mode WebSocket (runs in the page; a string, as the page's types are not ours). */
function electronLikeApi(token: string): string {
  return `(() => {
    const socket = new WebSocket('ws://' + location.host + '/api?token=' + encodeURIComponent(${JSON.stringify(token)}))
    const opened = new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }))
    const pending = new Map()
    const listeners = new Map()
    let nextId = 1
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data)
      if (message.kind === 'response') {
        const call = pending.get(message.id)
        pending.delete(message.id)
        if (!call) return
        if (message.ok) call.resolve(message.response)
        else call.reject(Object.assign(new Error(message.error.message), { name: message.error.name }))
      } else if (message.kind === 'event') {
        for (const listener of listeners.get(message.channel) ?? []) listener(message.payload)
      }
    })
    window.ausculta = {
      mode: 'electron',
      async invoke(channel, request) {
        await opened
        const id = nextId++
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject })
          socket.send(JSON.stringify({ id, channel, request }))
        })
      },
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set())
        listeners.get(channel).add(listener)
        return () => listeners.get(channel).delete(listener)
      },
    }
  })()`
}

describe.skipIf(skip !== undefined || !addonHasOutput || noChromium)(
  'live screen in Electron mode: listening through the addon (Chromium)',
  () => {
    let pulse: PulseDaemon
    let dataDir: string
    let outDir: string
    let userDataDir: string
    let service: AppService
    let server: RunningBrowserServer
    let context: BrowserContext
    let page: Page
    const status = async (): Promise<ListeningStatus> =>
      (await dispatchApiRequest(service.handlers, 'listening:status', {})) as ListeningStatus

    beforeAll(async () => {
      outDir = mkdtempSync(join(tmpdir(), 'ausculta-listening-ui-build-'))
      const build = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir],
        { cwd: ROOT, encoding: 'utf8', timeout: 170_000 },
      )
      if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`)
      pulse = startPulse()
      dataDir = mkdtempSync(join(tmpdir(), 'ausculta-listening-ui-'))
      userDataDir = mkdtempSync(join(tmpdir(), 'ausculta-listening-ui-chromium-'))
      service = new AppService({
        monitor: new Monitor(),
        devices: new DemoDeviceCatalog(join(ROOT, 'samples'), { speed: 1 }),
        library: new FsSessionLibrary(() => dataDir),
        mode: 'electron',
        version: '0.0.0-test',
        settings: defaultAppSettings(dataDir, null),
        modelsDir: join(ROOT, 'models'),
        listening: { env: pulse.env, watchdogMs: 1000 },
      })
      const token = 'listening-ui-test-token'
      server = await startBrowserServer({
        rendererDir: join(outDir, 'renderer'),
        port: 0,
        api: { handlers: service.handlers, events: service, token },
      })
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: '/usr/bin/chromium',
        args: CHROMIUM_ARGS,
        viewport: { width: 1366, height: 820 },
      })
      await context.addInitScript(electronLikeApi(token))
      page = context.pages()[0] ?? (await context.newPage())
      await page.goto(`http://127.0.0.1:${server.port}/`)
    }, 240_000)

    afterAll(async () => {
      await context?.close()
      await server?.close()
      await service?.dispose()
      await pulse?.kill()
      for (const dir of [dataDir, outDir, userDataDir]) if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it('L plays the source on the chosen sink, L again mutes the same stream, 1 and + reach it, a lost sink is shown', async () => {
      const picker = page.getByTestId('output-picker')
      await picker.waitFor({ timeout: 30_000 })
      const line = page.getByTestId('listening-status')
      await expect.poll(() => line.textContent(), { timeout: 10_000 }).toMatch(/^System default \(Null Output\) · off$/)
      await page.getByTestId('device-picker').selectOption(`demo:${SAMPLE}`)
      await page.getByTestId('monitor-status').filter({ hasText: 'Streaming' }).waitFor({ timeout: 30_000 })
      await picker.selectOption('ausculta_sink')
      await expect.poll(async () => (await status()).outputDeviceId, { timeout: 5000 }).toBe('ausculta_sink')

      await page.locator('body').press('l')
      await expect(page.getByTestId('listen-button').getAttribute('aria-pressed')).resolves.toBe('true')
      // "Null Output · 20 ms · no dropouts" (or a few dropouts while PulseAudio starts the stream).
      await expect.poll(() => line.textContent(), { timeout: 10_000 }).toMatch(/^Null Output · \d+ ms · (no dropouts|\d+ dropouts?)$/)
      // PulseAudio starts consuming ~2 s after a stream starts: listen in 1-s takes until the sink carries sound.
      // Gain is the screen's ×8 (+18 dB) on a heart sound: far above the −40 dBFS floor used here.
      await expect.poll(async () => (await sinkPeak(pulse, 1)).peak, { timeout: 20_000, interval: 0 }).toBeGreaterThan(0.01)
      const sinkInput = pactl(pulse, 'list', 'short', 'sink-inputs').trim()
      const recoveriesBeforeMute = (await status()).recoveries

      await page.locator('body').press('l')
      await expect(page.getByTestId('listen-button').getAttribute('aria-pressed')).resolves.toBe('false')
      await expect.poll(() => line.textContent(), { timeout: 5000 }).toMatch(/ · muted$/)
      // The 20-ms fade and the queues are out well within a second: the next full 1-s take is −80 dBFS, silence.
      await expect
        .poll(async () => sinkPeak(pulse, 1), { timeout: 5000, interval: 0 })
        .toSatisfy((muted: { peak: number; frames: number }) => muted.frames > RATE_HZ / 2 && muted.peak < 1e-4)
      // Mute never reopens the stream: the sink-input is the same one, unless PulseAudio lost the
      // stream under load and it was reopened by itself (counted in recoveries).
      const afterMute = { sinkInput: pactl(pulse, 'list', 'short', 'sink-inputs').trim(), recoveries: (await status()).recoveries }
      expect(afterMute.sinkInput === sinkInput || afterMute.recoveries > recoveriesBeforeMute, JSON.stringify(afterMute)).toBe(true)

      const gainBefore = (await status()).gainDb
      await page.locator('body').press('1')
      await page.locator('body').press('+')
      await expect.poll(async () => (await status()).filter, { timeout: 5000 }).toBe('bell')
      await expect.poll(async () => (await status()).gainDb, { timeout: 5000 }).toBeGreaterThan(gainBefore)
      await page.locator('body').press('l')
      mkdirSync(SHOTS, { recursive: true })
      await page.screenshot({ path: join(SHOTS, 'electron-listening.png') })

      pactl(pulse, 'unload-module', 'module-always-sink')
      pactl(pulse, 'unload-module', 'module-remap-source')
      pactl(pulse, 'unload-module', 'module-null-sink')
      // The 1-s watchdog, the 200-ms poll and slack for a loaded machine.
      await expect.poll(() => line.textContent(), { timeout: 4000 }).toBe('Output device lost (Null Output) — choose another')
      // Not "Listening" while nothing can be heard; the monitor itself carries on streaming.
      await expect(page.getByTestId('listen-button').getAttribute('aria-pressed')).resolves.toBe('false')
      await expect(page.getByTestId('monitor-status').textContent()).resolves.toMatch(/Streaming/)
      await page.screenshot({ path: join(SHOTS, 'electron-listening-lost.png') })
      // L asks to play again: with no sink anywhere, that fails again and says so.
      await page.locator('body').press('l')
      await expect.poll(async () => (await status()).error?.code, { timeout: 5000 }).toBe('unavailable')
      await expect.poll(() => line.textContent(), { timeout: 5000 }).toMatch(/^Cannot play on Null Output — choose another/)
    }, 90_000)
  },
)
