/**
 * Find by sound (issue 18): how long embedding a recording takes, how long the main thread stalls
 * meanwhile (embedding runs on the app's main thread beside the live events), the size of
 * embeddings.bin, and how long ranking a library of stored embeddings takes.
 *
 *   npm run bench:search [-- --minutes 30]
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { encodeEmbeddingFile } from '../src/core/search/embedding-file'
import { matchRecording, windowSimilarities } from '../src/core/search/rank'
import { readWavMono } from '../src/main/io/wav-file'
import { EncoderModel } from '../src/main/model/encoder-model'
import { TextEncoderModel } from '../src/main/model/text-query'
import { BATCH_WINDOWS, embedAudio, samplesReader } from '../src/main/search/embed-audio'

const ROOT = join(__dirname, '..')
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' } } })

async function main(): Promise<void> {
  const minutes = Number(values.minutes)
  const model = await EncoderModel.load(join(ROOT, 'models/ausculta-encoder.onnx'))
  const text = await TextEncoderModel.load(join(ROOT, 'models/ausculta-text.onnx'), join(ROOT, 'models/ausculta-text.tokenizer.json'))
  const demo = readWavMono(join(ROOT, 'samples/50238_MV.wav')).samples
  const samples = new Float32Array(Math.round(minutes * 60 * 4000))
  for (let i = 0; i < samples.length; i++) samples[i] = demo[i % demo.length] as number
  let maxLagMs = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    maxLagMs = Math.max(maxLagMs, now - last - 5)
    last = now
  }, 5)
  const started = performance.now()
  const embeddings = await embedAudio(model, samplesReader(samples))
  const embedMs = performance.now() - started
  clearInterval(ticker)
  const bytes = encodeEmbeddingFile(embeddings).length
  const library = Array.from({ length: 100 }, () => embeddings)
  const [query] = await text.embed(['systolic murmur'])
  const rankStarted = performance.now()
  for (const item of library) matchRecording(item, windowSimilarities(item, query as Float32Array))
  const rankMs = performance.now() - rankStarted
  console.log(
    `embedding ${minutes} min of audio: ${embeddings.header.count} windows in ${(embedMs / 1000).toFixed(1)} s ` +
      `(${(embedMs / embeddings.header.count).toFixed(2)} ms a window, batches of ${BATCH_WINDOWS})`,
  )
  console.log(`longest main-thread stall while embedding: ${maxLagMs.toFixed(0)} ms`)
  console.log(`embeddings.bin: ${(bytes / 1024).toFixed(1)} kB (${(bytes / embeddings.header.count).toFixed(0)} bytes a window)`)
  console.log(`ranking 100 such sessions (${((100 * minutes) / 60).toFixed(0)} h of audio) from memory: ${rankMs.toFixed(1)} ms`)
  await model.release()
  await text.release()
}

void main()
