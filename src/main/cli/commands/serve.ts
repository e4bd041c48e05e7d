import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isWildcardHost, startBrowserServer, BrowserServerError } from '../../browser/browser-server'
import { createBackend, DEFAULT_DEMO_RECORDING } from '../../api/create-backend'
import { appRoot } from '../../app-root'
import { CliUsageError } from '../command'
import { defineCommand, flagOption, valueOption } from '../define-command'

const usage =
  `Usage: ausculta serve [--port <n>] [--listen <address>] [--data-dir <dir>] [--model <file.onnx>] [--demo ` +
  `<file.wav>|--no-demo] [--demo-speed <x>] [--no-devices]

Browser mode: serves the built app (run \`npm run build\` first) and its API (WebSocket, guarded by
a random token in the printed address) on http://127.0.0.1:<port>/. With no device picked it
plays the demo recording (default samples/${DEFAULT_DEMO_RECORDING}) as if a stethoscope were streaming it.
--no-devices skips sound-card, serial and HID discovery (demo recordings only).
--listen <address> serves on another address than 127.0.0.1 (e.g. a ward's LAN; 0.0.0.0 for every
interface, each of whose addresses is printed): patient data then travels the network unencrypted
to anyone holding the printed token; use with care.`

export const command = defineCommand({
  summary: 'browser mode: serve the app on 127.0.0.1',
  usage,
  options: {
    port: valueOption('0'),
    listen: valueOption(),
    'data-dir': valueOption(),
    model: valueOption(),
    demo: valueOption(),
    'no-demo': flagOption(),
    'demo-speed': valueOption('1'),
    'no-devices': flagOption(),
  },
  async run(values) {
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port must be 0–65535, got '${values.port}'`)
    if (values.listen !== undefined && !/^[0-9a-zA-Z.:-]+$/.test(values.listen))
      throw new CliUsageError(`--listen must be an IP address or host name, got '${values.listen}'`)
    const demoSpeed = Number(values['demo-speed'])
    if (!(demoSpeed > 0 && demoSpeed <= 100)) throw new CliUsageError(`--demo-speed must be in (0, 100], got '${values['demo-speed']}'`)
    const root = appRoot()
    const rendererDir = join(root, 'out/renderer')
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new BrowserServerError(`${rendererDir}: no built app found; run \`npm run build\` first`)
    }
    const demoPath = values.demo ? resolve(values.demo) : join(root, 'samples', DEFAULT_DEMO_RECORDING)
    if (values.model && !existsSync(values.model)) throw new CliUsageError(`--model: ${values.model}: no such file`)
    const service = await createBackend({
      mode: 'browser',
      appRoot: root,
      demoSpeed,
      devices: !values['no-devices'],
      ...(values['data-dir'] ? { dataDir: resolve(values['data-dir']) } : {}),
      ...(values.model ? { modelPath: resolve(values.model) } : {}),
      ...(values.demo ? { samplesDir: resolve(demoPath, '..') } : {}),
    })
    const token = randomBytes(24).toString('base64url')
    const host = values.listen ?? '127.0.0.1'
    const running = await startBrowserServer({ rendererDir, port, host, api: { handlers: service.handlers, events: service, token } })
    if (host !== '127.0.0.1' && host !== 'localhost') {
      process.stderr.write(
        `WARNING: browser mode is listening on ${isWildcardHost(host) ? 'every network interface' : host}, not only on this ` +
          `computer. Anyone on the network\n` +
          `who has an address below (with its token) can see live heart sounds and patient sessions; the connection is not encrypted.\n`,
      )
    }
    // One line per address that works (with --listen 0.0.0.0: each interface's, never 0.0.0.0 itself).
    for (const url of running.urls) process.stdout.write(`Ausculta browser mode: ${url}\n`)
    if (!values['no-demo']) {
      if (!existsSync(demoPath)) throw new CliUsageError(`--demo: ${demoPath}: no such file`)
      const demoId = `demo:${demoPath.split(/[\\/]/).pop() ?? ''}`
      try {
        await service.selectDevice(demoId)
        process.stdout.write(`Playing demo recording ${demoPath}\n`)
      } catch (error) {
        process.stderr.write(`ausculta serve: could not start the demo source: ${(error as Error).message}\n`)
      }
    }
    await new Promise<void>((resolveStop) => {
      const stop = (): void => {
        void service
          .dispose()
          .catch(() => undefined)
          .then(() => running.close())
          .then(resolveStop)
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    return 0
  },
})
