/**
 * A session's search embeddings on disk (`embeddings.bin`, format in
 * src/core/search/embedding-file.ts). Like peaks.bin it is a cache of audio.wav and the model:
 * replaced atomically (temporary file, rename), never fsync'd, and computed again when missing,
 * damaged, made by another model or for another length of audio. The audio is read in ranges
 * (an hours-long session is never held whole) when it is at the model's rate, as the recorder
 * writes it; a session at another rate is read whole and resampled.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { decodeEmbeddingFile, encodeEmbeddingFile, type WindowEmbeddings } from '../../core/search/embedding-file'
import { resample } from '../../core/dsp/resample'
import { CorruptSessionError } from '../../core/sessions/session-errors'
import { decodeMonoRange, frameByteRange, readWavLayout } from '../../core/wav/wav-range'
import type { EncoderModel } from '../model/encoder-model'
import { readWavMono } from '../io/wav-file'
import { writeFileAtomicAsync } from '../sessions/atomic-write'
import { SESSION_FILES } from '../sessions/data-dir'
import { toStorageError } from '../sessions/fs-errors'
import { embedAudio, samplesReader, type AudioReader } from './embed-audio'
import { readAt } from '../io/read-at'

export const EMBEDDING_FILE_NAME = 'embeddings.bin'

export interface StoredEmbeddings {
  embeddings: WindowEmbeddings
  /** True when they were computed now (missing or stale file), false when read from the session folder. */
  computed: boolean
}

/** The stored embeddings, or null when there are none or they cannot be used (damaged: computed again). */
export async function readSessionEmbeddings(dir: string): Promise<WindowEmbeddings | null> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(join(dir, EMBEDDING_FILE_NAME))
  } catch {
    return null
  }
  try {
    return decodeEmbeddingFile(bytes, `${basename(dir)}/${EMBEDDING_FILE_NAME}`)
  } catch (error) {
    if (error instanceof CorruptSessionError) return null
    throw error
  }
}

export async function writeSessionEmbeddings(dir: string, embeddings: WindowEmbeddings): Promise<void> {
  const path = join(dir, EMBEDDING_FILE_NAME)
  await writeFileAtomicAsync(path, encodeEmbeddingFile(embeddings), 'writing the search embeddings')
}

/** Whether stored embeddings still describe this audio under this model. */
export function embeddingsAreCurrent(embeddings: WindowEmbeddings, model: EncoderModel, framesAtModelRate: number): boolean {
  const { header } = embeddings
  return (
    header.model.onnxSha256 === model.card.onnx.sha256 &&
    header.sampleRateHz === model.card.input.sampleRateHz &&
    header.frames === framesAtModelRate
  )
}

/** Opens a session's audio.wav for embedding: ranges at the model's rate, or the whole file resampled. */
async function openSessionAudio(dir: string, rateHz: number): Promise<{ reader: AudioReader; close: () => Promise<void> }> {
  const path = join(dir, SESSION_FILES.audio)
  const name = `${basename(dir)}/${SESSION_FILES.audio}`
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw toStorageError(err, name, 'opening')
  }
  try {
    const { size } = await handle.stat()
    const layout = await readWavLayout((offset, length) => readAt(handle, offset, length), size, name)
    if (layout.sampleRateHz !== rateHz) {
      await handle.close()
      const audio = readWavMono(path)
      return { reader: samplesReader(resample(audio.samples, audio.sampleRateHz, rateHz)), close: async () => undefined }
    }
    const reader: AudioReader = {
      frames: layout.frames,
      read: async (start, count) => {
        const frames = Math.min(count, layout.frames - start)
        const { offset, length } = frameByteRange(layout, start, frames)
        return decodeMonoRange(await readAt(handle, offset, length), layout, name)
      },
    }
    return { reader, close: () => handle.close().catch(() => undefined) }
  } catch (err) {
    await handle.close().catch(() => undefined)
    throw toStorageError(err, name, 'reading')
  }
}

/** The session's embeddings: the stored ones when current, else computed from audio.wav and stored. */
export async function ensureSessionEmbeddings(model: EncoderModel, dir: string): Promise<StoredEmbeddings> {
  const { reader, close } = await openSessionAudio(dir, model.card.input.sampleRateHz)
  try {
    const stored = await readSessionEmbeddings(dir)
    if (stored && embeddingsAreCurrent(stored, model, reader.frames)) return { embeddings: stored, computed: false }
    const embeddings = await embedAudio(model, reader)
    await writeSessionEmbeddings(dir, embeddings)
    return { embeddings, computed: true }
  } finally {
    await close()
  }
}
