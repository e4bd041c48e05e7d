/**
 * What one client that never reads costs browser mode (issue 20, item 4), in the server's
 * resident memory. Two attacks, each on a fresh browser-mode process streaming the demo:
 *  - the issue's: 500 requests of 900 kB naming an unknown channel (the error used to echo it);
 *  - 200 × sessions:audio for a 2-min session (2.6 MB of base64 per reply).
 * Prints RSS before, peak RSS, the growth, how many requests the server left on the wire, and the
 * close code the client read once it resumed reading.
 * Run: node --require tsx/cjs bench/ws-slow-reader.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBrowserModeProcess } from '../tests/helpers/browser-mode-process'
import { seedDemoSession } from '../tests/helpers/seed-session'
import { requestFrame, runSlowReader } from '../tests/helpers/slow-reader'

const MB = 1024 * 1024

async function scenario(name: string, frames: (sessionId: string) => Buffer[]): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ausculta-bench-ws-'))
  const dataDir = join(root, 'data')
  const sessionId = seedDemoSession(dataDir, 120)
  const server = await startBrowserModeProcess({ dataDir, rendererDir: mkdtempSync(join(root, 'renderer-')) })
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000)) // settle after start-up
    const outcome = await runSlowReader(server, { frames: frames(sessionId), holdMs: 12_000 })
    const alive = server.exitStatus() === null
    process.stdout.write(
      `${name}: RSS before ${(outcome.rssBeforeBytes / MB).toFixed(0)} MB, peak ${(outcome.peakRssBytes / MB).toFixed(0)} MB ` +
        `(+${((outcome.peakRssBytes - outcome.rssBeforeBytes) / MB).toFixed(0)} MB); sent ${(outcome.bytesSent / MB).toFixed(1)} MB, ` +
        `${outcome.unsent} requests left unsent; client read ${(outcome.bytesReceived / MB).toFixed(1)} MB, close code ${outcome.closeCode ?? 'none'}; ` +
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
  await scenario('200 × sessions:audio (2-min session)', (id) => [Buffer.concat(Array.from({ length: 200 }, (_, i) => requestFrame(i + 1, 'sessions:audio', { id })))])
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
