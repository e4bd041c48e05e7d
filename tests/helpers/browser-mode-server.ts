/**
 * Browser mode as `ausculta serve` runs it (createBackend + startBrowserServer, the production
 * WebSocket transport with its default limits), in a process of its own so a test can tell
 * "the server died" from "the test failed". Differences from `serve`, all for test speed and
 * isolation: no model (the classical estimator still emits a window event every second), no device
 * discovery, a private data folder, 127.0.0.1 only, and a renderer folder the test provides (the
 * API does not need the built app).
 *
 * Run: node --require tsx/cjs tests/helpers/browser-mode-server.ts <dataDir> <rendererDir> [<model.onnx>]
 * (a model only where a test needs one, e.g. find by sound).
 * Prints `READY {"port":…,"token":…}` once the demo recording is streaming; exits on SIGTERM or
 * when its stdin closes (the test process is gone).
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createBackend, DEFAULT_DEMO_RECORDING } from '../../src/main/api/create-backend'
import { startBrowserServer } from '../../src/main/browser/browser-server'

const ROOT = join(__dirname, '../..')

async function main(): Promise<void> {
  const [dataDir, rendererDir, modelPath] = process.argv.slice(2)
  if (!dataDir || !rendererDir) throw new Error('usage: browser-mode-server.ts <dataDir> <rendererDir>')
  const service = await createBackend({
    mode: 'browser',
    appRoot: ROOT,
    dataDir,
    modelPath: modelPath ?? null,
    devices: false,
    demoSpeed: 1,
  })
  const token = randomBytes(24).toString('base64url')
  const running = await startBrowserServer({
    rendererDir,
    host: '127.0.0.1',
    port: 0,
    api: { handlers: service.handlers, events: service, token },
  })
  await service.selectDevice(`demo:${DEFAULT_DEMO_RECORDING}`)
  process.stdout.write(`READY ${JSON.stringify({ port: running.port, token })}\n`)
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void service
      .dispose()
      .catch(() => undefined)
      .then(() => running.close())
      .then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.stdin.on('end', stop).resume()
}

main().catch((error: unknown) => {
  process.stderr.write(`browser-mode-server: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
