/**
 * `npm run bench:model`: the encoder's budgets (issue 3) — ONNX file size (≤ 20 MB), one 5-s
 * window through the whole graph on one CPU core with onnxruntime-node (≤ 10 ms), and the
 * training wall time recorded in the model card (≤ 2 h on the 2-core build machine).
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { readWavMono } from '../src/main/io/wav-file'
import { EncoderModel } from '../src/main/model/encoder-model'

const modelPath = process.argv[2] ?? join(__dirname, '../models/ausculta-encoder.onnx')

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

async function main(): Promise<void> {
  const model = await EncoderModel.load(modelPath, { intraOpThreads: 1 })
  const bytes = statSync(modelPath).size
  const { samples } = readWavMono(join(__dirname, '../samples/50238_MV.wav'))
  const windowSamples = model.windowSamples
  const windows = Array.from({ length: 20 }, (_, i) => samples.slice(i * 4000, i * 4000 + windowSamples)).filter(
    (w) => w.length === windowSamples,
  )
  for (let i = 0; i < 10; i++) await model.run([windows[i % windows.length] as Float32Array]) // warm-up
  const timings: number[] = []
  const runs = 200
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await model.run([windows[i % windows.length] as Float32Array])
    timings.push(performance.now() - started)
  }
  timings.sort((a, b) => a - b)
  const batch = windows.slice(0, 16)
  const batchStarted = performance.now()
  await model.run(batch)
  const batchMs = performance.now() - batchStarted
  const card = model.card as typeof model.card & { trainingWallSeconds?: number; machine?: string }
  console.log(`model            ${card.id}@${card.version} (${model.layerCount} layers)`)
  console.log(`ONNX size        ${(bytes / 1e6).toFixed(2)} MB (budget 20 MB)`)
  console.log(
    `one window, 1 thread: median ${percentile(timings, 0.5).toFixed(2)} ms, p90 ${percentile(timings, 0.9).toFixed(2)} ms, p99 ` +
      `${percentile(timings, 0.99).toFixed(2)} ms over ${runs} runs (budget 10 ms)`,
  )
  console.log(`batch of ${batch.length}, 1 thread: ${(batchMs / batch.length).toFixed(2)} ms per window`)
  if (card.trainingWallSeconds !== undefined)
    console.log(
      `training wall time ${(card.trainingWallSeconds / 60).toFixed(1)} min on ${card.machine ?? 'the build machine'} (budget 120 min)`,
    )
  await model.release()
}

void main()
