/**
 * Reading a WAV file in pieces: where its samples are (the same chunk walk as `decodeWav`, over
 * a reader instead of the whole file in memory) and the mono samples of any range of frames.
 * `readWavLayout(…).frames` equals `decodeWav(file).frames`, and `decodeMonoRange` returns
 * exactly `downmixToMono(decodeWav(file))` for those frames, so the library can show and play
 * an hours-long recording without ever holding it whole.
 */
import { decodeFrames, downmixToMono, walkWavChunks, type WavLayout } from './wav-reader'

export type { WavLayout } from './wav-reader'

/** Up to `length` bytes at `offset` (fewer at the end of the file). */
export type ByteRangeReader = (offset: number, length: number) => Promise<Uint8Array>

/** Where the samples of a WAV file of `fileBytes` bytes are; throws `WavFormatError` as `decodeWav` would. */
export async function readWavLayout(read: ByteRangeReader, fileBytes: number, sourceName: string): Promise<WavLayout> {
  const walk = walkWavChunks(fileBytes, sourceName)
  let step = walk.next()
  while (!step.done) step = walk.next(await read(step.value.offset, step.value.length))
  return step.value
}

/** Byte range holding frames [startFrame, startFrame + frames). */
export function frameByteRange(layout: WavLayout, startFrame: number, frames: number): { offset: number; length: number } {
  return { offset: layout.dataStart + startFrame * layout.bytesPerFrame, length: frames * layout.bytesPerFrame }
}

/** Mono samples of the whole frames in `bytes` (which start at a frame boundary), as `decodeWav` + `downmixToMono` give them. */
export function decodeMonoRange(bytes: Uint8Array, layout: WavLayout, sourceName: string): Float32Array {
  const frames = Math.floor(bytes.length / layout.bytesPerFrame)
  if (layout.format === 'float32' && layout.channels === 1 && LITTLE_ENDIAN) return decodeFloat32Mono(bytes, frames)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const channelData = decodeFrames(view, 0, frames, layout.channels, layout.format, [], sourceName)
  return layout.channels === 1 ? (channelData[0] as Float32Array) : downmixToMono({ channelData, frames })
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f
/** The largest float32 below 1 (decodeWav clips float files into [-1, 1)). */
const FLOAT_MAX_BELOW_ONE = 1 - 2 ** -24

/**
 * Mono float32 (what the recorder writes), the fast way: the bytes copied as they are, then the
 * same clean-up as decodeWav (NaN/∞ → 0, values outside [-1, 1) clipped). Several times faster
 * than a DataView read per sample, which matters when an hours-long file is scanned for its overview.
 */
function decodeFloat32Mono(bytes: Uint8Array, frames: number): Float32Array {
  const out = new Float32Array(frames)
  new Uint8Array(out.buffer).set(bytes.subarray(0, frames * 4))
  for (let i = 0; i < frames; i++) {
    const value = out[i] as number
    if (value >= -1 && value < 1) continue
    if (!Number.isFinite(value)) out[i] = 0
    else out[i] = value < 0 ? -1 : FLOAT_MAX_BELOW_ONE
  }
  return out
}
