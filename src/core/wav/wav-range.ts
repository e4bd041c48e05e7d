/**
 * Reading a WAV file in pieces: where its samples are (the same chunk walk as `decodeWav`, over
 * a reader instead of the whole file in memory) and the mono samples of any range of frames.
 * `readWavLayout(…).frames` equals `decodeWav(file).frames`, and `decodeMonoRange` returns
 * exactly `downmixToMono(decodeWav(file))` for those frames, so the library can show and play
 * an hours-long recording without ever holding it whole.
 */
import {
  UNFINALISED_SIZES,
  WavFormatError,
  decodeFrames,
  downmixToMono,
  fourCc,
  parseFmt,
  printable,
  sampleFormatOf,
  validateFmt,
  type FmtChunk,
  type WavSampleFormat,
} from './wav-reader'

export interface WavLayout {
  sampleRateHz: number
  channels: number
  format: WavSampleFormat
  bytesPerFrame: number
  /** Byte offset of the first frame. */
  dataStart: number
  /** Whole frames present (a torn last frame is not counted). */
  frames: number
  warnings: string[]
}

/** Up to `length` bytes at `offset` (fewer at the end of the file). */
export type ByteRangeReader = (offset: number, length: number) => Promise<Uint8Array>

/** The longest fmt chunk body we look at (an extensible fmt is 40 bytes). */
const FMT_BYTES_READ = 40

/** Where the samples of a WAV file of `fileBytes` bytes are; throws `WavFormatError` as `decodeWav` would. */
export async function readWavLayout(read: ByteRangeReader, fileBytes: number, sourceName: string): Promise<WavLayout> {
  const warnings: string[] = []
  if (fileBytes < 12) throw new WavFormatError(`${sourceName}: file too short for a RIFF header (${fileBytes} bytes, need 12)`)
  const head = await read(0, 12)
  const magic = fourCc(head, 0)
  if (magic === 'RIFX') throw new WavFormatError(`${sourceName}: unsupported big-endian RIFX file`)
  if (magic === 'RF64') throw new WavFormatError(`${sourceName}: unsupported RF64 file (WAV over 4 GiB)`)
  if (magic !== 'RIFF') throw new WavFormatError(`${sourceName}: not a RIFF file (starts with "${printable(magic)}")`)
  const waveId = fourCc(head, 8)
  if (waveId !== 'WAVE') throw new WavFormatError(`${sourceName}: RIFF form type "${printable(waveId)}" is not WAVE`)
  const riffSize = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(4, true)

  let fmt: FmtChunk | undefined
  let dataStart = -1
  let dataBytes = 0
  let offset = 12
  let stoppedBy = ''
  while (offset + 8 <= fileBytes) {
    const chunk = await read(offset, 8)
    const id = fourCc(chunk, 0)
    const size = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(4, true)
    const bodyStart = offset + 8
    const available = fileBytes - bodyStart
    if (id === 'data') {
      if (dataStart >= 0) {
        warnings.push(`${sourceName}: extra data chunk at byte ${offset} ignored`)
      } else {
        dataStart = bodyStart
        const riffEndsHere = UNFINALISED_SIZES.has(riffSize) || riffSize + 8 <= bodyStart
        if (size > available) {
          warnings.push(`${sourceName}: data chunk size ${size} overruns the file; read the ${available} bytes present`)
          dataBytes = available
          break
        }
        if (size === 0 && available > 0 && riffEndsHere) {
          warnings.push(`${sourceName}: data chunk size 0 (unfinalised writer); read the ${available} bytes present`)
          dataBytes = available
          break
        }
        dataBytes = size
      }
    } else if (id === 'fmt ') {
      if (size > available) throw new WavFormatError(`${sourceName}: fmt chunk truncated (size ${size}, ${available} bytes left)`)
      if (fmt) warnings.push(`${sourceName}: extra fmt chunk at byte ${offset} ignored`)
      else {
        const body = await read(bodyStart, Math.min(size, FMT_BYTES_READ))
        // parseFmt checks the declared size and reads at most 40 bytes of the body.
        const padded = new Uint8Array(FMT_BYTES_READ)
        padded.set(body)
        fmt = parseFmt(new DataView(padded.buffer), 0, size, sourceName)
      }
    } else if (size > available) {
      stoppedBy = `chunk "${printable(id)}" at byte ${offset} declares ${size} bytes, ${available} left`
      warnings.push(`${sourceName}: ${stoppedBy}; stopped there`)
      break
    }
    offset = bodyStart + size + (size & 1)
  }

  const because = stoppedBy ? ` (${stoppedBy})` : ''
  if (!fmt) throw new WavFormatError(`${sourceName}: fmt chunk missing${because}`)
  const format = sampleFormatOf(fmt, sourceName)
  const bytesPerFrame = validateFmt(fmt, format, sourceName)
  if (dataStart < 0) throw new WavFormatError(`${sourceName}: data chunk missing${because}`)
  const frames = Math.floor(dataBytes / bytesPerFrame)
  return { sampleRateHz: fmt.sampleRateHz, channels: fmt.channels, format, bytesPerFrame, dataStart, frames, warnings }
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
