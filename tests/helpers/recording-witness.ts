/**
 * The bedside view of a browser-mode server under attack: one well-behaved client that starts a
 * recording of the demo stream, notes when each window (HR) event arrives, and at the end stops
 * the recording and checks that nothing was lost. Used by the WebSocket robustness tests.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { decodeFloat32Base64 } from '../../src/core/api/contract'
import { DEFAULT_DEMO_RECORDING } from '../../src/main/api/create-backend'
import { wholeCycleLoop } from '../../src/main/api/demo-catalog'
import { readWavMono } from '../../src/main/io/wav-file'
import { connectApi, type ApiConnection, type BrowserModeProcess } from './browser-mode-process'

const ROOT = join(__dirname, '../..')

export interface RecordingWitness {
  readonly connection: ApiConnection
  /** performance.now() of every window event received since the recording started. */
  readonly windowTimesMs: number[]
  /**
   * Stops the recording and checks: the server process is alive, this client was never
   * disconnected, window events came at least every `maxWindowGapMs`, and the recording holds
   * every sample of the stream since it started (its length matches the wall time, no dropouts,
   * and it is one unbroken stretch of the looping demo file).
   */
  finish(options?: { maxWindowGapMs?: number }): Promise<{ durationS: number; wallS: number; maxWindowGapMs: number; windowEvents: number }>
}

/** The folder called `name` somewhere under `dir` (sessions live in sessions/<day>/<id>). */
function findDir(dir: string, name: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const path = join(dir, entry.name)
    if (entry.name === name) return path
    const found = findDir(path, name)
    if (found) return found
  }
  return null
}

/** Index in `source` (looping) where `recorded` starts, checking every sample; -1 when it is not one unbroken stretch. */
export function loopOffsetOf(recorded: Float32Array, source: Float32Array): number {
  const probe = Math.min(100, recorded.length)
  for (let start = 0; start < source.length; start++) {
    let match = true
    for (let i = 0; i < probe && match; i++) match = source[(start + i) % source.length] === recorded[i]
    if (!match) continue
    for (let i = probe; i < recorded.length; i++) if (source[(start + i) % source.length] !== recorded[i]) return -1
    return start
  }
  return -1
}

export async function startRecordingWitness(server: BrowserModeProcess, dataDir: string): Promise<RecordingWitness> {
  const connection = await connectApi(server)
  const windowTimesMs: number[] = []
  connection.api.on('event:monitor', (event) => {
    if (event.type === 'window') windowTimesMs.push(performance.now())
  })
  // The first window comes once 5 s of audio have streamed; start the recording after it so the
  // gap check covers steady state only.
  const deadline = Date.now() + 30_000
  while (windowTimesMs.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  if (windowTimesMs.length === 0) throw new Error(`no window event within 30 s: ${server.stderr()}`)
  const status = await connection.api.invoke('recording:start', { location: 'MV' })
  if (!status.recording || !status.sessionId) throw new Error('recording did not start')
  const startedMs = performance.now()
  windowTimesMs.length = 0

  return {
    connection,
    windowTimesMs,
    async finish(options = {}) {
      expect(server.exitStatus(), `the server process ended: ${server.stderr()}`).toBeNull()
      expect(connection.closeCode(), 'the well-behaved client was disconnected').toBeNull()
      const stoppedMs = performance.now()
      const summary = await connection.api.invoke('recording:stop', {})
      const wallS = (stoppedMs - startedMs) / 1000
      expect(summary).not.toBeNull()
      const durationS = summary?.durationS ?? 0

      const times = [startedMs, ...windowTimesMs, stoppedMs]
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
      const maxWindowGapMs = Math.max(...gaps)
      expect(maxWindowGapMs, `window (HR) events must keep coming; gaps ${gaps.map((g) => g.toFixed(0)).join(' ')} ms`).toBeLessThanOrEqual(
        options.maxWindowGapMs ?? 2000,
      )

      // The demo source is paced by the wall clock and catches up after a stall, so a recording
      // that lost nothing is as long as the time it ran (minus the chunk in flight at each end).
      expect(Math.abs(durationS - wallS), `recorded ${durationS.toFixed(2)} s in ${wallS.toFixed(2)} s`).toBeLessThan(0.5)
      const sessionDir = findDir(join(dataDir, 'sessions'), summary?.id ?? '')
      expect(sessionDir, 'the recording has no session folder').not.toBeNull()
      const meta = JSON.parse(readFileSync(join(sessionDir as string, 'session.json'), 'utf8')) as { dropouts?: unknown[] }
      expect(meta.dropouts ?? []).toEqual([])
      const audio = await connection.api.invoke('sessions:audio', { id: summary?.id ?? '' })
      const recorded = decodeFloat32Base64(audio.float32Base64, audio.frames)
      // The demo source loops whole cardiac cycles of the file (demo-catalog.ts: wholeCycleLoop).
      const demoPath = join(ROOT, 'samples', DEFAULT_DEMO_RECORDING)
      const wav = readWavMono(demoPath)
      const cycles = wholeCycleLoop(demoPath)
      const demo = cycles
        ? wav.samples.subarray(Math.round(cycles.startS * wav.sampleRateHz), Math.round(cycles.endS * wav.sampleRateHz))
        : wav.samples
      expect(loopOffsetOf(recorded, demo), 'the recording is not one unbroken stretch of the demo stream').toBeGreaterThanOrEqual(0)
      connection.close()
      return { durationS, wallS, maxWindowGapMs, windowEvents: windowTimesMs.length }
    },
  }
}
