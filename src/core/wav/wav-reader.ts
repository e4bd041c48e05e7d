import {
  WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_IEEE_FLOAT,
  WAVE_FORMAT_PCM,
  WavFormatError,
  formatTagName,
  type WavSampleFormat,
} from './wav-format'

export { WavFormatError, type WavSampleFormat } from './wav-format'
/** Mean of the channels (a mono file comes back as a copy of its only channel). */
export { downmixToMono } from '../dsp/downmix'

export interface WavAudio {
  sampleRateHz: number
  channels: number
  format: WavSampleFormat
  /** Whole frames decoded (a trailing partial frame is dropped with a warning). */
  frames: number
  /** One array per channel, samples in [-1, 1). */
  channelData: Float32Array[]
  /** Recoverable defects (overrunning data size, dropped partial frame, clipped floats...). */
  warnings: string[]
}

/** Largest float32 below 1: float WAVs may exceed full scale; we clip them into [-1, 1). */
const FLOAT_MAX_BELOW_ONE = 1 - 2 ** -24

/** Sizes streamed or crashed writers leave in the data chunk header when they never finalised it. */
export const UNFINALISED_SIZES = new Set([0, 0xffffffff])

/** The 14 trailing bytes of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT (the first two are the tag). */
const EXTENSIBLE_GUID_SUFFIX = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]

export interface FmtChunk {
  formatTag: number
  channels: number
  sampleRateHz: number
  blockAlign: number
  bitsPerSample: number
}

export function fourCc(bytes: Uint8Array, offset: number): string {
  let text = ''
  for (let i = offset; i < offset + 4 && i < bytes.length; i++) text += String.fromCharCode(bytes[i]!)
  return text
}

/** Quote four bytes readably in an error message (binary bytes as \xNN). */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

export function parseFmt(view: DataView, offset: number, size: number, sourceName: string): FmtChunk {
  if (size < 16) throw new WavFormatError(`${sourceName}: fmt chunk too short (${size} bytes, need 16)`)
  let formatTag = view.getUint16(offset, true)
  const channels = view.getUint16(offset + 2, true)
  const sampleRateHz = view.getUint32(offset + 4, true)
  const blockAlign = view.getUint16(offset + 12, true)
  const bitsPerSample = view.getUint16(offset + 14, true)
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16) after the 16 basic bytes.
    if (size < 40) throw new WavFormatError(`${sourceName}: extensible fmt chunk too short (${size} bytes, need 40)`)
    const guidOffset = offset + 24
    const subTag = view.getUint16(guidOffset, true)
    for (let i = 0; i < EXTENSIBLE_GUID_SUFFIX.length; i++) {
      if (view.getUint8(guidOffset + 2 + i) !== EXTENSIBLE_GUID_SUFFIX[i]) {
        throw new WavFormatError(`${sourceName}: unsupported extensible sub-format (GUID not a KSDATAFORMAT_SUBTYPE)`)
      }
    }
    formatTag = subTag
  }
  return { formatTag, channels, sampleRateHz, blockAlign, bitsPerSample }
}

export function sampleFormatOf(fmt: FmtChunk, sourceName: string): WavSampleFormat {
  const { formatTag, bitsPerSample } = fmt
  if (formatTag === WAVE_FORMAT_PCM) {
    switch (bitsPerSample) {
      case 8:
        return 'pcm8'
      case 16:
        return 'pcm16'
      case 24:
        return 'pcm24'
      case 32:
        return 'pcm32'
    }
    throw new WavFormatError(`${sourceName}: unsupported bits per sample ${bitsPerSample} (PCM)`)
  }
  if (formatTag === WAVE_FORMAT_IEEE_FLOAT) {
    if (bitsPerSample === 32) return 'float32'
    throw new WavFormatError(`${sourceName}: unsupported format 3 (IEEE float ${bitsPerSample}-bit)`)
  }
  throw new WavFormatError(`${sourceName}: unsupported format ${formatTag} (${formatTagName(formatTag)})`)
}

export function validateFmt(fmt: FmtChunk, format: WavSampleFormat, sourceName: string): number {
  if (fmt.channels === 0) throw new WavFormatError(`${sourceName}: channels 0 in fmt chunk`)
  if (fmt.sampleRateHz === 0) throw new WavFormatError(`${sourceName}: sample rate 0 in fmt chunk`)
  const bytesPerFrame = (fmt.bitsPerSample / 8) * fmt.channels
  if (fmt.blockAlign !== bytesPerFrame) {
    throw new WavFormatError(
      `${sourceName}: block align ${fmt.blockAlign} does not match ${fmt.channels} channels of ${format} (${bytesPerFrame})`,
    )
  }
  return bytesPerFrame
}

export interface WavLayout {
  sampleRateHz: number
  channels: number
  format: WavSampleFormat
  bytesPerFrame: number
  /** Byte offset of the first frame. */
  dataStart: number
  /** Whole frames present (a torn last frame is not counted). */
  frames: number
  /** Bytes of sample data present (whole frames and any torn last one). */
  dataBytes: number
  warnings: string[]
}

/** The longest fmt chunk body we look at (an extensible fmt is 40 bytes). */
const FMT_BYTES_READ = 40

/** A byte range the chunk walk needs: up to `length` bytes at `offset` (fewer at the end of the file). */
export interface WavRead {
  offset: number
  length: number
}

/**
 * The RIFF/WAVE chunk walk, once for a file held in memory (decodeWav) and for one read in ranges
 * (readWavLayout in wav-range.ts): it yields each byte range it needs and is sent back its bytes.
 * Never reads past `fileBytes`, never loops without advancing; what it cannot make sense of raises
 * `WavFormatError` naming `sourceName`.
 */
export function* walkWavChunks(fileBytes: number, sourceName: string): Generator<WavRead, WavLayout, Uint8Array> {
  const warnings: string[] = []
  if (fileBytes < 12) throw new WavFormatError(`${sourceName}: file too short for a RIFF header (${fileBytes} bytes, need 12)`)
  const head = yield { offset: 0, length: 12 }
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
    const chunk = yield { offset, length: 8 }
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
        const body = yield { offset: bodyStart, length: Math.min(size, FMT_BYTES_READ) }
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
    // RIFF pads odd-sized chunks to an even length; a missing final pad byte is harmless.
    offset = bodyStart + size + (size & 1)
  }

  const because = stoppedBy ? ` (${stoppedBy})` : ''
  if (!fmt) throw new WavFormatError(`${sourceName}: fmt chunk missing${because}`)
  const format = sampleFormatOf(fmt, sourceName)
  const bytesPerFrame = validateFmt(fmt, format, sourceName)
  if (dataStart < 0) throw new WavFormatError(`${sourceName}: data chunk missing${because}`)
  const frames = Math.floor(dataBytes / bytesPerFrame)
  return { sampleRateHz: fmt.sampleRateHz, channels: fmt.channels, format, bytesPerFrame, dataStart, frames, dataBytes, warnings }
}

/**
 * Decode a RIFF/WAVE file held in memory. Never reads past `bytes`, never loops without
 * advancing; anything it cannot make sense of raises `WavFormatError` naming `sourceName`.
 */
export function decodeWav(bytes: Uint8Array, sourceName = '<bytes>'): WavAudio {
  const walk = walkWavChunks(bytes.length, sourceName)
  let step = walk.next()
  while (!step.done) step = walk.next(bytes.subarray(step.value.offset, step.value.offset + step.value.length))
  const layout = step.value
  const { warnings, frames, channels, format } = layout
  const leftover = layout.dataBytes - frames * layout.bytesPerFrame
  if (leftover > 0) warnings.push(`${sourceName}: dropped a partial frame of ${leftover} bytes at the end of data`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const channelData = decodeFrames(view, layout.dataStart, frames, channels, format, warnings, sourceName)
  return { sampleRateHz: layout.sampleRateHz, channels, format, frames, channelData, warnings }
}

export function decodeFrames(
  view: DataView,
  start: number,
  frames: number,
  channels: number,
  format: WavSampleFormat,
  warnings: string[],
  sourceName: string,
): Float32Array[] {
  const channelData = Array.from({ length: channels }, () => new Float32Array(frames))
  let pos = start
  switch (format) {
    case 'pcm8':
      for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++, pos++) channelData[c]![f] = (view.getUint8(pos) - 128) / 128
      break
    case 'pcm16':
      for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++, pos += 2) channelData[c]![f] = view.getInt16(pos, true) / 32768
      break
    case 'pcm24':
      for (let f = 0; f < frames; f++)
        for (let c = 0; c < channels; c++, pos += 3) {
          const value = view.getUint8(pos) | (view.getUint8(pos + 1) << 8) | (view.getInt8(pos + 2) << 16)
          channelData[c]![f] = value / 8388608
        }
      break
    case 'pcm32':
      for (let f = 0; f < frames; f++)
        for (let c = 0; c < channels; c++, pos += 4) channelData[c]![f] = view.getInt32(pos, true) / 2147483648
      break
    case 'float32': {
      let nonFinite = 0
      let clipped = 0
      for (let f = 0; f < frames; f++)
        for (let c = 0; c < channels; c++, pos += 4) {
          let value = view.getFloat32(pos, true)
          if (!Number.isFinite(value)) {
            nonFinite++
            value = 0
          } else if (value >= 1 || value < -1) {
            // Exactly +1.0 is a normal full-scale peak in float files: nudge it, don't warn.
            if (value !== 1) clipped++
            value = value < 0 ? -1 : FLOAT_MAX_BELOW_ONE
          }
          channelData[c]![f] = value
        }
      if (nonFinite > 0) warnings.push(`${sourceName}: ${nonFinite} NaN/infinite float samples replaced by 0`)
      if (clipped > 0) warnings.push(`${sourceName}: ${clipped} float samples outside [-1, 1) clipped`)
      break
    }
  }
  return channelData
}
