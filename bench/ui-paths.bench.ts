/**
 * Costs on the UI's hot paths, printed (no assertions): the strip chart's per-chunk buffer work
 * and S1-mark search (run in the page twice a second), and a request's round trip over the
 * browser-mode WebSocket. Run: npx tsx bench/ui-paths.bench.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { createApiClient, type ApiHandlers } from '../src/core/api/contract'
import { createWsClientTransport, type WebSocketLike } from '../src/core/api/ws-client'
import { attachWsTransport } from '../src/main/api/ws-transport'
import { readWavMono } from '../src/main/io/wav-file'
import { PcgBuffer } from '../src/renderer/src/lib/pcg-buffer'
import { findS1Marks } from '../src/renderer/src/lib/s1-marks'

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
  console.log(`PcgBuffer.append (100-ms chunk, 4 kHz, wide filter): median ${percentile(appendMs, 0.5).toFixed(3)} ms, p95 ${percentile(appendMs, 0.95).toFixed(3)} ms`)

  const raw = audio.samples.subarray(0, 8 * rate)
  const marksMs: number[] = []
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now()
    findS1Marks(raw, rate, 70)
    marksMs.push(performance.now() - t0)
  }
  console.log(`findS1Marks (8 s at 4 kHz, three band filters + comb search): median ${percentile(marksMs, 0.5).toFixed(2)} ms, p95 ${percentile(marksMs, 0.95).toFixed(2)} ms (runs twice a second)`)

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
  console.log(`WebSocket request round trip (validated both ends), 500 calls: median ${percentile(rttMs, 0.5).toFixed(3)} ms, p95 ${percentile(rttMs, 0.95).toFixed(3)} ms`)
  socket.close()
  await transport.close()
  server.close()
}

void main()
