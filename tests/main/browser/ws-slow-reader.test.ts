/**
 * Issue 20, item 4: a client that sends requests and never reads the replies used to grow the
 * server without bound (500 requests of 900 kB: 1.16 GB), because nothing limited what was queued
 * for one connection and errors echoed the request. Against a browser-mode process that is
 * recording, with a second client watching:
 *  - a client asking 200 times for a 2-min session's audio (2.6 MB of base64 each) and never
 *    reading is closed with 1008, and the server's memory grows by tens of MB, not by the 500 MB
 *    of replies it asked for;
 *  - a client sending 900-kB requests for an unknown channel gets short answers (nothing echoed);
 * and the recording, the other client and the HR events go on throughout.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { startBrowserModeProcess } from '../../helpers/browser-mode-process'
import { startRecordingWitness } from '../../helpers/recording-witness'
import { seedDemoSession } from '../../helpers/seed-session'
import { requestFrame, runSlowReader } from '../../helpers/slow-reader'
import { testTempDir } from '../../helpers/temp-dir'

const MB = 1024 * 1024

describe('browser mode: a client that does not read', () => {
  it('is closed with 1008 while the server stays within bounded memory and the monitor and recording go on', async () => {
    const dataDir = testTempDir('ausculta-ws-slow-')
    const sessionId = seedDemoSession(dataDir, 120)
    const server = await startBrowserModeProcess({ dataDir, rendererDir: testTempDir('ausculta-ws-renderer-') })
    onTestFinished(() => server.stop())
    const witness = await startRecordingWitness(server, dataDir)

    // Flow control drops a client whose queue has not shrunk for 5 s; 8 s of holding still covers it.
    const audioFlood = Buffer.concat(Array.from({ length: 200 }, (_, i) => requestFrame(i + 1, 'sessions:audio', { id: sessionId })))
    const flood = await runSlowReader(server, { frames: [audioFlood], holdMs: 8000 })
    const growthMb = (flood.peakRssBytes - flood.rssBeforeBytes) / MB
    console.log(
      `sessions:audio × 200, never read: RSS ${(flood.rssBeforeBytes / MB).toFixed(0)} MB → peak ` +
        `${(flood.peakRssBytes / MB).toFixed(0)} MB (+${growthMb.toFixed(0)} MB); client read ` +
        `${(flood.bytesReceived / MB).toFixed(1)} MB; close ${flood.closeCode}`,
    )
    expect(server.exitStatus(), server.stderr()).toBeNull()
    expect(flood.closeCode).toBe(1008)
    // Unbounded, the 200 replies alone are 512 MB of base64.
    expect(growthMb).toBeLessThan(150)

    // The issue's own attack, scaled down: 900-kB requests naming an unknown channel.
    const big = requestFrame(1, 'x'.repeat(900 * 1024))
    const echo = await runSlowReader(server, { frames: Array.from({ length: 60 }, () => big), holdMs: 6000, closeTimeoutMs: 3000 })
    const replies = echo.messages.filter((m) => m.startsWith('{"kind":"response"'))
    console.log(
      `60 × 900-kB unknown-channel requests: RSS ${(echo.rssBeforeBytes / MB).toFixed(0)} MB → peak ` +
        `${(echo.peakRssBytes / MB).toFixed(0)} MB; ${replies.length} replies, longest ` +
        `${Math.max(0, ...replies.map((r) => r.length))} chars`,
    )
    expect(server.exitStatus(), server.stderr()).toBeNull()
    expect(replies.length).toBeGreaterThan(0)
    for (const reply of replies) expect(reply.length).toBeLessThan(300)

    const outcome = await witness.finish()
    expect(outcome.windowEvents).toBeGreaterThanOrEqual(Math.floor(outcome.wallS) - 1)
  })
})
