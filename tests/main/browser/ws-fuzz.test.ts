/**
 * Fuzzing the browser-mode WebSocket API for a bounded time (issue 20) while a recording runs and a
 * second client watches: random and malformed frames of every size and opcode, junk handshakes,
 * connections cut mid-frame, and slow readers that flood requests and stop reading. Asserts the
 * process never exits, the watching client gets a window (HR) event at least every 2 s, no audio
 * is lost from the recording, and the server's memory stays bounded.
 *
 * AUSCULTA_WS_FUZZ_SEED replays a run's choices (timing still varies); AUSCULTA_WS_FUZZ_SECONDS
 * sets how long it fuzzes (default 20).
 */
import { connect } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startBrowserModeProcess, type BrowserModeProcess } from '../../helpers/browser-mode-process'
import { openRawWebSocket } from '../../helpers/raw-websocket'
import { startRecordingWitness } from '../../helpers/recording-witness'
import { seedDemoSession } from '../../helpers/seed-session'
import { seededRandom, type SeededRandom } from '../../helpers/seeded-random'
import { requestFrame } from '../../helpers/slow-reader'
import { testTempDir } from '../../helpers/temp-dir'
import { fuzzFrame, junkHandshake } from '../../helpers/ws-fuzz-frames'

const SEED = Number(process.env['AUSCULTA_WS_FUZZ_SEED'] ?? 20_261_203)
const SECONDS = Number(process.env['AUSCULTA_WS_FUZZ_SECONDS'] ?? 20)
const WORKERS = 3
const MB = 1024 * 1024

// Every pause here is part of the fuzz (random pacing, a reader holding still), never a wait for a condition.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface Tally {
  frames: Map<string, number>
  /** How connections ended: the server's close code, or 'cut' when the fuzzer hung up first. */
  endings: Map<string, number>
  upgradeFailures: string[]
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/** A connection that sends 1–8 random frames, then closes properly, waits for the server, or hangs up. */
async function frameSession(random: SeededRandom, server: BrowserModeProcess, sessionId: string, tally: Tally): Promise<void> {
  const raw = await openRawWebSocket(server.port, server.token)
  let serverClosed: number | null | undefined
  void raw.closed.then((code) => (serverClosed = code))
  for (let n = random.int(1, 8); n > 0 && serverClosed === undefined; n--) {
    const { kind, bytes } = fuzzFrame(random, sessionId)
    count(tally.frames, kind)
    // Now and then a frame is cut in half and the connection reset under it.
    if (random.chance(0.05)) {
      raw.sendBytes(bytes.subarray(0, random.int(0, bytes.length)))
      raw.socket.resetAndDestroy()
      count(tally.endings, 'cut')
      return
    }
    raw.sendBytes(bytes)
    await sleep(random.int(0, 30))
  }
  const code = await Promise.race([raw.closed, sleep(random.int(50, 500)).then(() => undefined)])
  count(tally.endings, code === undefined || code === null ? 'cut' : String(code))
  raw.destroy()
}

/** Junk where an upgrade should be; reads whatever answer comes for a moment, then hangs up. */
async function handshakeJunk(random: SeededRandom, server: BrowserModeProcess, tally: Tally): Promise<void> {
  count(tally.frames, 'junk-handshake')
  const socket = connect({ host: '127.0.0.1', port: server.port })
  socket.on('error', () => undefined)
  socket.on('data', () => undefined)
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('close', resolve))
  socket.write(junkHandshake(random, server.port, server.token))
  await sleep(random.int(10, 300))
  socket.destroy()
}

/** Stops reading, asks for the seeded session's audio over and over among random frames, holds, then hangs up or reads again. */
async function slowReader(random: SeededRandom, server: BrowserModeProcess, sessionId: string, tally: Tally): Promise<void> {
  count(tally.frames, 'slow-reader')
  const raw = await openRawWebSocket(server.port, server.token)
  raw.pauseReading()
  const burst: Buffer[] = []
  // Well-formed requests only: a malformed frame would end the connection before it is ever slow.
  for (let i = random.int(20, 150); i > 0; i--)
    burst.push(random.chance(0.8) ? requestFrame(i, 'sessions:audio', { id: sessionId }) : requestFrame(i, 'sessions:list', {}))
  raw.sendBytes(Buffer.concat(burst))
  await sleep(random.int(2000, 7000))
  if (random.chance(0.5)) {
    raw.resumeReading()
    const code = await Promise.race([raw.closed, sleep(3000).then(() => null)])
    count(tally.endings, `slow:${code ?? 'open'}`)
  } else {
    count(tally.endings, 'slow:cut')
  }
  raw.destroy()
}

async function fuzzWorker(
  random: SeededRandom,
  deadline: number,
  server: BrowserModeProcess,
  sessionId: string,
  tally: Tally,
  slowSlots: { free: number },
): Promise<void> {
  while (performance.now() < deadline && server.exitStatus() === null) {
    const r = random.next()
    try {
      if (r < 0.08 && slowSlots.free > 0) {
        slowSlots.free--
        await slowReader(random, server, sessionId, tally).finally(() => slowSlots.free++)
      } else if (r < 0.18) {
        await handshakeJunk(random, server, tally)
      } else {
        await frameSession(random, server, sessionId, tally)
      }
    } catch (error) {
      tally.upgradeFailures.push((error as Error).message)
      await sleep(100)
    }
  }
}

describe('browser mode: WebSocket fuzz', () => {
  it(
    `random and malformed frames, junk handshakes and slow readers for ${SECONDS} s: no exit, no lost audio, HR events every second`,
    async () => {
      console.log(`ws fuzz: seed ${SEED} (AUSCULTA_WS_FUZZ_SEED=${SEED} replays it), ${SECONDS} s, ${WORKERS} workers`)
      const dataDir = testTempDir('ausculta-ws-fuzz-')
      const sessionId = seedDemoSession(dataDir, 30)
      const server = await startBrowserModeProcess({ dataDir, rendererDir: testTempDir('ausculta-ws-renderer-') })
      onTestFinished(() => server.stop())
      const witness = await startRecordingWitness(server, dataDir)
      const rssBefore = server.memory().rssBytes

      const tally: Tally = { frames: new Map(), endings: new Map(), upgradeFailures: [] }
      const deadline = performance.now() + SECONDS * 1000
      const slowSlots = { free: 1 }
      await Promise.all(
        Array.from({ length: WORKERS }, (_, i) => fuzzWorker(seededRandom(SEED + i), deadline, server, sessionId, tally, slowSlots)),
      )

      const memory = server.memory()
      const sorted = (map: Map<string, number>): string =>
        [...map]
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      console.log(`ws fuzz: sent ${sorted(tally.frames)}`)
      console.log(`ws fuzz: connections ended ${sorted(tally.endings)}`)
      console.log(`ws fuzz: server RSS ${(rssBefore / MB).toFixed(0)} MB before, peak ${(memory.peakRssBytes / MB).toFixed(0)} MB`)

      expect(server.exitStatus(), `the server process ended (seed ${SEED}):\n${server.stderr()}`).toBeNull()
      expect(tally.upgradeFailures, `seed ${SEED}`).toEqual([])
      // The fuzz really ran: protocol errors closed connections, and slow readers were dropped.
      expect((tally.endings.get('1002') ?? 0) + (tally.endings.get('1007') ?? 0) + (tally.endings.get('1009') ?? 0)).toBeGreaterThan(0)
      expect(memory.peakRssBytes - rssBefore).toBeLessThan(300 * MB)
      const outcome = await witness.finish()
      console.log(
        `ws fuzz: recorded ${outcome.durationS.toFixed(2)} s in ${outcome.wallS.toFixed(2)} s, ${outcome.windowEvents} window ` +
          `events, longest gap ${outcome.maxWindowGapMs.toFixed(0)} ms`,
      )
      expect(server.stderr()).not.toMatch(/Uncaught|Unhandled|\n\s+at .+:\d+:\d+\)?\n/)
    },
    60_000 + SECONDS * 1000,
  )
})
