/**
 * What one client that never reads costs browser mode (issue 20, item 4), in the server's
 * resident memory. Two attacks, each on a fresh browser-mode process streaming the demo:
 *  - the issue's: 500 requests of 900 kB naming an unknown channel (the error used to echo it);
 *  - 200 × sessions:audio for a 2-min session (2.6 MB of base64 per reply).
 * Prints RSS before, peak RSS, the growth, how the client's connection ended once it read again,
 * and the longest wait between window (HR) events at a well-behaved client meanwhile.
 * Run: node --require tsx/cjs bench/ws-slow-reader.bench.ts [holdSeconds]   (how long the client
 * sends and then holds still before reading again; default 20)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectApi, startBrowserModeProcess } from '../tests/helpers/browser-mode-process'
import { seedDemoSession } from '../tests/helpers/seed-session'
import { requestFrame, runSlowReader } from '../tests/helpers/slow-reader'

const MB = 1024 * 1024
const HOLD_MS = Number(process.argv[2] ?? 20) * 1000

async function scenario(name: string, frames: (sessionId: string) => Buffer[]): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ausculta-bench-ws-'))
  const dataDir = join(root, 'data')
  const sessionId = seedDemoSession(dataDir, 120)
  const server = await startBrowserModeProcess({ dataDir, rendererDir: mkdtempSync(join(root, 'renderer-')) })
  try {
    const watcher = await connectApi(server)
    const windows: number[] = []
    watcher.api.on('event:monitor', (event) => event.type === 'window' && windows.push(performance.now()))
    while (windows.length < 2) await new Promise((resolve) => setTimeout(resolve, 100)) // streaming, past start-up
    const started = performance.now()
    const outcome = await runSlowReader(server, { frames: frames(sessionId), holdMs: HOLD_MS })
    const times = [started, ...windows.filter((t) => t > started), performance.now()]
    const longestGapS = Math.max(...times.slice(1).map((t, i) => t - (times[i] as number))) / 1000
    watcher.close()
    const alive = server.exitStatus() === null
    const ending =
      outcome.closeCode !== null ? `closed with ${outcome.closeCode}` : outcome.ended ? 'cut off without a close frame' : 'still open'
    process.stdout.write(
      `${name}: RSS before ${(outcome.rssBeforeBytes / MB).toFixed(0)} MB, peak ${(outcome.peakRssBytes / MB).toFixed(0)} MB ` +
        `(+${((outcome.peakRssBytes - outcome.rssBeforeBytes) / MB).toFixed(0)} MB); sent ${(outcome.bytesSent / MB).toFixed(1)} MB, ` +
        `${outcome.unsent} requests left unsent; client read ${(outcome.bytesReceived / MB).toFixed(1)} MB; connection ` +
        `${ending}; longest wait for an HR event ${longestGapS.toFixed(1)} s; ` +
        `server ${alive ? 'alive' : `ended (${server.exitStatus()})`}\n`,
    )
  } finally {
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const big = requestFrame(1, 'x'.repeat(900 * 1024))
  await scenario('500 × 900-kB unknown-channel requests', () => Array.from({ length: 500 }, () => big))
  await scenario('200 × sessions:audio (2-min session)', (id) => [
    Buffer.concat(Array.from({ length: 200 }, (_, i) => requestFrame(i + 1, 'sessions:audio', { id }))),
  ])
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
