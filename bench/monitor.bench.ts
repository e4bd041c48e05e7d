/**
 * `npm run bench:monitor` (pinned to one core by taskset): the whole live engine — demo source,
 * resampling, ring, worker, encoder, classical estimator, quality, smoothing, alarms.
 * Prints the real-time factor (seconds of audio per second of wall time) over 10 minutes of audio,
 * the p50/p99 latency from a window's last sample to its event at a paced speed, and the RSS at
 * start and after the 10 minutes (budgets: ≥ 200× real time, p99 ≤ 50 ms, growth ≤ 20 MB).
 */
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { DemoFileSource } from '../src/main/engine/demo-source'
import { Monitor } from '../src/main/engine/monitor'

const MODEL = join(__dirname, '../models/ausculta-encoder.onnx')
const SAMPLE = join(__dirname, '../samples/50238_MV.wav')
const AUDIO_SECONDS = 600

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

async function runFlatOut(monitor: Monitor): Promise<{ seconds: number; windows: number }> {
  let windows = 0
  let lastEndS = 0
  const off = monitor.on((event) => {
    if (event.type === 'window') {
      windows++
      lastEndS = event.windowEndS
    }
  })
  const source = new DemoFileSource(SAMPLE, { speed: Infinity, loop: true, chunkSeconds: 0.1 })
  const started = performance.now()
  await monitor.start(source)
  while (lastEndS < AUDIO_SECONDS) await new Promise((resolve) => setTimeout(resolve, 20))
  await monitor.stop()
  await monitor.drain()
  off()
  return { seconds: (performance.now() - started) / 1000, windows }
}

async function runPaced(monitor: Monitor, speed: number, audioSeconds: number): Promise<number[]> {
  const latencies: number[] = []
  const off = monitor.on((event) => {
    if (event.type === 'window') latencies.push(event.latencyMs)
  })
  const source = new DemoFileSource(SAMPLE, { speed, loop: true, chunkSeconds: 0.05 })
  await monitor.start(source)
  await new Promise((resolve) => setTimeout(resolve, (audioSeconds / speed) * 1000))
  await monitor.stop()
  await monitor.drain()
  off()
  return latencies
}

async function main(): Promise<void> {
  const monitor = new Monitor({ pcgEventsPerSecond: 10 })
  await monitor.loadModel(MODEL)
  monitor.on(() => {}) // a subscriber, as the UI would be
  await runPaced(monitor, 10, 20) // warm-up: JIT, onnxruntime allocations
  global.gc?.()
  const rssStart = process.memoryUsage().rss
  const flat = await runFlatOut(monitor)
  global.gc?.()
  const rssEnd = process.memoryUsage().rss
  const latencies = await runPaced(monitor, 10, 60)
  const status = monitor.status()
  console.log(`engine real-time factor: ${(AUDIO_SECONDS / flat.seconds).toFixed(0)}× (${AUDIO_SECONDS} s of audio, ${flat.windows} windows in ${flat.seconds.toFixed(1)} s; budget ≥ 200×)`)
  console.log(`latency window end → event at 10× real time: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms over ${latencies.length} windows (budget p99 ≤ 50 ms)`)
  console.log(`RSS: ${mb(rssStart)} at start, ${mb(rssEnd)} after ${AUDIO_SECONDS / 60} min of audio (growth ${mb(rssEnd - rssStart)}; budget ≤ 20 MB)`)
  console.log(`dropped windows: ${status.droppedWindows}; execution provider: ${status.executionProvider}`)
  await monitor.dispose()
}

void main()
