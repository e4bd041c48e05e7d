/**
 * Sound-search embeddings of one recording: the encoder's CLAP embedding of every search window
 * (src/core/search/window-plan.ts), in batches so that a long session costs a few seconds of one
 * core and little memory.
 */
import { buildWindowEmbeddings, type WindowEmbeddings } from '../../core/search/embedding-file'
import { SEARCH_HOP_SECONDS, searchWindowStarts } from '../../core/search/window-plan'
import type { EncoderModel } from '../model/encoder-model'

/**
 * Windows per encoder call. onnxruntime-node's run holds the calling thread while it computes, and
 * embedding runs on the app's main thread beside the live monitor's events: 4 windows (about 7 ms
 * on a quiet core) and a turn of the event loop between calls keep the main thread's longest stall
 * short (`npm run bench:search` prints it).
 */
export const BATCH_WINDOWS = 4

export interface AudioReader {
  /** Frames at the model's rate. */
  readonly frames: number
  /** `count` frames from `start` (fewer only at the end of the audio). */
  read(start: number, count: number): Float32Array | Promise<Float32Array>
}

/** A reader over samples already in memory. */
export function samplesReader(samples: Float32Array): AudioReader {
  return { frames: samples.length, read: (start, count) => samples.subarray(start, Math.min(samples.length, start + count)) }
}

/** Embeds every search window of `audio` (already at the model's sample rate). */
export async function embedAudio(model: EncoderModel, audio: AudioReader): Promise<WindowEmbeddings> {
  const { sampleRateHz, windowSamples, windowSeconds } = model.card.input
  const hopSamples = Math.round(SEARCH_HOP_SECONDS * sampleRateHz)
  const starts = searchWindowStarts(audio.frames, windowSamples, hopSamples)
  const embeddings: Float32Array[] = []
  for (let b = 0; b < starts.length; b += BATCH_WINDOWS) {
    const windows: Float32Array[] = []
    for (const start of starts.slice(b, b + BATCH_WINDOWS)) {
      const window = new Float32Array(windowSamples)
      // Shorter than a window: the rest stays zero (the graph normalises gain, silence adds nothing).
      window.set(await audio.read(start, windowSamples))
      windows.push(window)
    }
    embeddings.push(...(await model.run(windows)).embeddings)
    // Let timers and I/O (the live stream, API replies) run between batches.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  return buildWindowEmbeddings(
    {
      model: { id: model.card.id, version: model.card.version, onnxSha256: model.card.onnx.sha256 },
      sampleRateHz,
      frames: audio.frames,
      windowSeconds,
      hopSeconds: SEARCH_HOP_SECONDS,
      dim: embeddings[0]?.length ?? model.card.embeddingDim ?? 128,
    },
    starts,
    embeddings,
  )
}
