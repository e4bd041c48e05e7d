/**
 * A recording's sound-search embeddings: one L2 direction in the encoder's CLAP space per search
 * window (window-plan.ts), stored beside the audio (`embeddings.bin` in a session folder). It is a
 * cache of what audio.wav and the model give, like peaks.bin: a file made by another model, for
 * another length of audio, or damaged is simply computed again.
 *
 * Only the direction of an embedding matters (search scores cosine similarity), so each vector is
 * stored as int8 scaled to its own largest component (±127): 128 bytes per window, a quarter of
 * float32, and cosine similarities within about 0.005 of the float32 ones (tested).
 *
 * File, little-endian:
 *   0   "AEMB"           magic
 *   4   u32 version (1)
 *   8   u32 J            byte length of the JSON header
 *   12  J bytes          JSON header (EmbeddingHeader), UTF-8, padded with spaces to a multiple of 4
 *   …   count × u32      each window's first frame
 *   …   count × dim × i8 each window's direction
 *   …   u32 CRC-32 of every byte before it
 */
import { z } from 'zod'
import { crc32 } from '../crc32'
import { CorruptSessionError } from '../sessions/session-errors'
import { describeIssue } from '../zod-issue'

export const EMBEDDING_FILE_MAGIC = 'AEMB'
export const EMBEDDING_FILE_VERSION = 1
export const EMBEDDING_SCHEMA = 'ausculta.window-embeddings'
const PREAMBLE_BYTES = 12
const MAX_HEADER_BYTES = 64 * 1024

const headerSchema = z.object({
  schema: z.literal(EMBEDDING_SCHEMA),
  /** The model that made the embeddings: another model's are not comparable with its text encoder. */
  model: z.object({ id: z.string(), version: z.string(), onnxSha256: z.string() }),
  sampleRateHz: z.number().int().positive(),
  /** Audio frames (at sampleRateHz) the windows were planned over: a file for another length is stale. */
  frames: z.number().int().nonnegative(),
  windowSeconds: z.number().positive(),
  hopSeconds: z.number().positive(),
  dim: z.number().int().positive().max(4096),
  count: z.number().int().nonnegative(),
  quantization: z.literal('int8-direction'),
})

export type EmbeddingHeader = z.infer<typeof headerSchema>
export type EmbeddingModelRef = EmbeddingHeader['model']

export interface WindowEmbeddings {
  header: EmbeddingHeader
  /** First frame of every window. */
  startFrames: Uint32Array
  /** count × dim, row-major; each row a direction (|max| = 127 unless the vector was zero). */
  vectors: Int8Array
}

/** Scales a float vector to int8 by its largest component (direction kept; zero stays zero). */
export function quantizeDirection(vector: ArrayLike<number>, out: Int8Array, offset = 0): void {
  let peak = 0
  for (let i = 0; i < vector.length; i++) peak = Math.max(peak, Math.abs(vector[i] as number))
  const scale = peak > 0 ? 127 / peak : 0
  for (let i = 0; i < vector.length; i++) out[offset + i] = Math.round((vector[i] as number) * scale)
}

export function buildWindowEmbeddings(
  header: Omit<EmbeddingHeader, 'schema' | 'count' | 'quantization'>,
  startFrames: ArrayLike<number>,
  embeddings: ReadonlyArray<ArrayLike<number>>,
): WindowEmbeddings {
  if (startFrames.length !== embeddings.length)
    throw new RangeError(`buildWindowEmbeddings: ${startFrames.length} window starts for ${embeddings.length} embeddings`)
  const vectors = new Int8Array(embeddings.length * header.dim)
  embeddings.forEach((embedding, i) => {
    if (embedding.length !== header.dim)
      throw new RangeError(`buildWindowEmbeddings: embedding ${i} has ${embedding.length} values, dim is ${header.dim}`)
    quantizeDirection(embedding, vectors, i * header.dim)
  })
  return {
    header: { schema: EMBEDDING_SCHEMA, ...header, count: embeddings.length, quantization: 'int8-direction' },
    startFrames: Uint32Array.from(startFrames),
    vectors,
  }
}

export function encodeEmbeddingFile(embeddings: WindowEmbeddings): Uint8Array {
  const { header, startFrames, vectors } = embeddings
  let json = JSON.stringify(header)
  while (Buffer.byteLength(json) % 4 !== 0) json += ' '
  const jsonBytes = new TextEncoder().encode(json)
  const startsOffset = PREAMBLE_BYTES + jsonBytes.length
  const vectorsOffset = startsOffset + startFrames.length * 4
  const crcOffset = vectorsOffset + vectors.length
  const bytes = new Uint8Array(crcOffset + 4)
  const view = new DataView(bytes.buffer)
  bytes.set(new TextEncoder().encode(EMBEDDING_FILE_MAGIC), 0)
  view.setUint32(4, EMBEDDING_FILE_VERSION, true)
  view.setUint32(8, jsonBytes.length, true)
  bytes.set(jsonBytes, PREAMBLE_BYTES)
  startFrames.forEach((start, i) => view.setUint32(startsOffset + i * 4, start, true))
  bytes.set(new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.length), vectorsOffset)
  view.setUint32(crcOffset, crc32(bytes.subarray(0, crcOffset)), true)
  return bytes
}

/** Parses an embeddings file; anything wrong is a CorruptSessionError naming `fileName` and the part at fault. */
export function decodeEmbeddingFile(bytes: Uint8Array, fileName: string): WindowEmbeddings {
  const fail = (field: string, detail: string): never => {
    throw new CorruptSessionError(fileName, field, detail)
  }
  if (bytes.length < PREAMBLE_BYTES + 4) fail('header', `${bytes.length} bytes: too short for an embeddings file`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = new TextDecoder().decode(bytes.subarray(0, 4))
  if (magic !== EMBEDDING_FILE_MAGIC) fail('magic', `expected "${EMBEDDING_FILE_MAGIC}", found ${JSON.stringify(magic)}`)
  const version = view.getUint32(4, true)
  if (version !== EMBEDDING_FILE_VERSION) fail('version', `version ${version}, this app reads version ${EMBEDDING_FILE_VERSION}`)
  const jsonLength = view.getUint32(8, true)
  if (jsonLength > MAX_HEADER_BYTES || PREAMBLE_BYTES + jsonLength + 4 > bytes.length)
    fail('header', `header length ${jsonLength} does not fit the file's ${bytes.length} bytes`)
  const crcOffset = bytes.length - 4
  const stored = view.getUint32(crcOffset, true)
  const actual = crc32(bytes.subarray(0, crcOffset))
  if (stored !== actual) fail('crc32', `stored ${stored.toString(16)}, contents hash to ${actual.toString(16)} (damaged or cut short)`)
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + jsonLength)))
  } catch (error) {
    return fail('header', `not JSON (${(error as Error).message})`)
  }
  const parsed = headerSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = describeIssue(parsed.error, raw)
    return fail(`header.${issue.field ?? ''}`, issue.detail)
  }
  const header = parsed.data
  const startsOffset = PREAMBLE_BYTES + jsonLength
  const vectorsOffset = startsOffset + header.count * 4
  if (vectorsOffset + header.count * header.dim !== crcOffset)
    fail(
      'count',
      `${header.count} windows of ${header.dim} values need ${vectorsOffset + header.count * header.dim + 4} bytes, ` +
        `the file has ${bytes.length}`,
    )
  const startFrames = new Uint32Array(header.count)
  for (let i = 0; i < header.count; i++) startFrames[i] = view.getUint32(startsOffset + i * 4, true)
  // A copy through a view of the bytes' own buffer: `bytes` may be a Node Buffer, whose slice() shares a pooled buffer.
  const vectors = new Int8Array(bytes.buffer, bytes.byteOffset + vectorsOffset, crcOffset - vectorsOffset).slice()
  return { header, startFrames, vectors }
}
