/**
 * Costs on the UI's hot paths, printed (no assertions): the strip chart's per-chunk buffer work,
 * the beat track's merge of a window event's S1/S2 onsets (once a second) and its mark look-up
 * (every frame), session playback's listening filter (once per filter change), and a request's
 * round trip over the browser-mode WebSocket. Run: npx tsx bench/ui-paths.bench.ts
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { createApiClient, type ApiHandlers } from '../src/core/api/contract'
import { createWsClientTransport, type WebSocketLike } from '../src/core/api/ws-client'
import { attachWsTransport } from '../src/main/api/ws-transport'
import { parseSegmentationTsv } from '../src/core/circor/segmentation-tsv'
import { readWavMono } from '../src/main/io/wav-file'
import { BeatTrack } from '../src/renderer/src/lib/beat-track'
import { PcgBuffer } from '../src/renderer/src/lib/pcg-buffer'
import { filterForPlayback } from '../src/renderer/src/lib/playback-filter'

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number
}

async function main(): Promise<void> {
  const audio = readWavMono(join(__dirname, '../samples/50238_MV.wav'))
  const rate = audio.sampleRateHz
  const chunk = Array.from(audio.samples.subarray(0, rate / 10))

  const buffer = new PcgBuffer(8, 'wide')
  const appendMs: number[] = []
  for (let i = 0; i < 400; i++) {
    const t0 = performance.now()
    buffer.append(chunk, rate, i * chunk.length)
    appendMs.push(performance.now() - t0)
  }
  console.log(
    `PcgBuffer.append (100-ms chunk, 4 kHz, wide filter): median ${percentile(appendMs, 0.5).toFixed(3)} ms, p95 ` +
      `${percentile(appendMs, 0.95).toFixed(3)} ms`,
  )

  // Window events as the monitor sends them: 5-s windows every 1 s, each with the S1/S2 onsets
  // inside it (the sample's expert segmentation, shifted a little per window as a detector would),
  // over 10 minutes of stream so the track holds its full 120 s.
  const rows = parseSegmentationTsv(readFileSync(join(__dirname, '../samples/50238_MV.tsv')), '50238_MV.tsv').rows
  const loopS = rows[rows.length - 1]!.endS
  const onsets = (label: number): number[] => rows.filter((r) => r.label === label).map((r) => r.startS)
  const s1 = onsets(1)
  const s2 = onsets(3)
  const track = new BeatTrack()
  const addMs: number[] = []
  const lookupMs: number[] = []
  for (let w = 0; w < 600; w++) {
    const inWindow = (base: number[]): number[] => {
      const out: number[] = []
      for (let loop = Math.floor(w / loopS); loop * loopS < w + 5; loop++) {
        for (const t of base) {
          const streamS = loop * loopS + t
          if (streamS >= w && streamS < w + 5) out.push(streamS + 0.01 * Math.sin(streamS + w))
        }
      }
      return out
    }
    const event = { s1OnsetsS: inWindow(s1), s2OnsetsS: inWindow(s2), irregularity: 0.02, irregular: false }
    const t0 = performance.now()
    track.add(event)
    addMs.push(performance.now() - t0)
    const t1 = performance.now()
    track.marksBetween(w + 5 - 7.5, w + 5)
    lookupMs.push(performance.now() - t1)
  }
  console.log(
    `BeatTrack.add (one window event, ~12 S1/S2 onsets, track holding 120 s): median ${percentile(addMs, 0.5).toFixed(3)} ms, ` +
      `p95 ${percentile(addMs, 0.95).toFixed(3)} ms (once a second)`,
  )
  console.log(
    `BeatTrack.marksBetween (the strip chart's 7.5-s view): median ${percentile(lookupMs, 0.5).toFixed(4)} ms, p95 ` +
      `${percentile(lookupMs, 0.95).toFixed(4)} ms (every frame)`,
  )

  const filterMs: number[] = []
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now()
    filterForPlayback(audio.samples, rate, 'bell')
    filterMs.push(performance.now() - t0)
  }
  console.log(
    `filterForPlayback (${(audio.samples.length / rate).toFixed(1)} s at 4 kHz, bell, with lead-in): median ` +
      `${percentile(filterMs, 0.5).toFixed(2)} ms, p95 ${percentile(filterMs, 0.95).toFixed(2)} ms (once per filter change)`,
  )

  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const handlers = { 'recording:mark': async () => ({ timeS: 1 }) } as unknown as ApiHandlers
  const transport = attachWsTransport({ server, handlers, token: 't', port: () => port, events: { onEvent: () => () => undefined } })
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api?token=t`, { origin: `http://127.0.0.1:${port}` })
  const client = createApiClient(createWsClientTransport(socket as unknown as WebSocketLike))
  const rttMs: number[] = []
  for (let i = 0; i < 500; i++) {
    const t0 = performance.now()
    await client.invoke('recording:mark', {})
    rttMs.push(performance.now() - t0)
  }
  console.log(
    `WebSocket request round trip (validated both ends), 500 calls: median ${percentile(rttMs, 0.5).toFixed(3)} ms, p95 ` +
      `${percentile(rttMs, 0.95).toFixed(3)} ms`,
  )
  socket.close()
  await transport.close()
  server.close()
}

void main()
