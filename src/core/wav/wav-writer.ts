import { InvalidArgumentError } from '../errors'
import { bytesPerSample, formatTagOf, isWavSampleFormat, type WavSampleFormat } from './wav-format'

export type { WavSampleFormat } from './wav-format'

/**
 * Byte length of every header `encodeWav`/`encodeWavHeader` writes: RIFF(12) + fmt(8 + 16) +
 * data(8). One size for every format, so a crash-safe recorder can rewrite the header in place
 * once it knows the final length (float32 uses tag 3 with a 16-byte fmt, which every reader we
 * care about accepts; we do not write a fact chunk for the same reason).
 */
export const WAV_HEADER_BYTES = 44

/** Largest data size that still fits the 32-bit RIFF size field after the header. */
export const WAV_MAX_DATA_BYTES = 0xffffffff - (WAV_HEADER_BYTES - 8)

export interface WavHeaderFields {
  sampleRateHz: number
  channels: number
  format: WavSampleFormat
  dataBytes: number
}

function checkFormat(format: WavSampleFormat): void {
  if (!isWavSampleFormat(format)) throw new InvalidArgumentError(`format: unknown WAV sample format ${JSON.stringify(format)}`)
}

function checkChannels(channels: number): void {
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) {
    throw new InvalidArgumentError(`channels: must be an integer in 1..65535, got ${channels}`)
  }
}

export function encodeWavHeader({ sampleRateHz, channels, format, dataBytes }: WavHeaderFields): Uint8Array {
  checkFormat(format)
  checkChannels(channels)
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 1 || sampleRateHz > 0xffffffff) {
    throw new InvalidArgumentError(`sampleRateHz: must be a positive integer, got ${sampleRateHz}`)
  }
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > WAV_MAX_DATA_BYTES) {
    throw new InvalidArgumentError(`dataBytes: must be an integer in 0..${WAV_MAX_DATA_BYTES}, got ${dataBytes}`)
  }
  const sampleBytes = bytesPerSample(format)
  const blockAlign = sampleBytes * channels
  if (blockAlign > 0xffff) throw new InvalidArgumentError(`channels: ${channels} channels of ${format} exceed the 16-bit block align`)
  const header = new Uint8Array(WAV_HEADER_BYTES)
  const view = new DataView(header.buffer)
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i)
  }
  ascii(0, 'RIFF')
  // The RIFF size excludes its 8-byte preamble; an odd data size is followed by one pad byte.
  view.setUint32(4, Math.min(0xffffffff, WAV_HEADER_BYTES - 8 + dataBytes + (dataBytes & 1)), true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  view.setUint32(16, 16, true)
  view.setUint16(20, formatTagOf(format), true)
  view.setUint16(22, channels, true)
  view.setUint32(24, sampleRateHz, true)
  view.setUint32(28, sampleRateHz * blockAlign > 0xffffffff ? 0xffffffff : sampleRateHz * blockAlign, true)
  view.setUint16(32, blockAlign, true)
  view.setUint16(34, sampleBytes * 8, true)
  ascii(36, 'data')
  view.setUint32(40, dataBytes, true)
  return header
}

/** Round to nearest and clip to the integer range of `bits`-bit signed PCM. */
function toInt(value: number, scale: number): number {
  const scaled = Math.round((Number.isNaN(value) ? 0 : value) * scale)
  return scaled >= scale ? scale - 1 : scaled < -scale ? -scale : scaled
}

/**
 * Interleave and encode samples. `samples` is either one array per channel (all the same length)
 * or one interleaved array holding `channels` samples per frame. Values are clipped to [-1, 1);
 * NaN encodes as 0 (silence beats garbage).
 */
export function encodeSamples(samples: Float32Array[] | Float32Array, channels: number, format: WavSampleFormat): Uint8Array {
  checkFormat(format)
  checkChannels(channels)
  let frames: number
  let at: (frame: number, channel: number) => number
  if (Array.isArray(samples)) {
    if (samples.length !== channels) {
      throw new InvalidArgumentError(`channelData: ${samples.length} channel arrays given for ${channels} channels`)
    }
    frames = samples[0]?.length ?? 0
    samples.forEach((data, c) => {
      if (data.length !== frames) {
        throw new InvalidArgumentError(`channelData[${c}]: length ${data.length} differs from channel 0 (${frames})`)
      }
    })
    at = (f, c) => samples[c]![f]!
  } else {
    if (samples.length % channels !== 0) {
      throw new InvalidArgumentError(`samples: interleaved length ${samples.length} is not a multiple of ${channels} channels`)
    }
    frames = samples.length / channels
    at = (f, c) => samples[f * channels + c]!
  }
  const sampleBytes = bytesPerSample(format)
  const out = new Uint8Array(frames * channels * sampleBytes)
  const view = new DataView(out.buffer)
  let pos = 0
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++, pos += sampleBytes) {
      const value = at(f, c)
      switch (format) {
        case 'pcm8':
          view.setUint8(pos, toInt(value, 128) + 128)
          break
        case 'pcm16':
          view.setInt16(pos, toInt(value, 32768), true)
          break
        case 'pcm24': {
          const v = toInt(value, 8388608)
          view.setUint8(pos, v & 0xff)
          view.setUint8(pos + 1, (v >> 8) & 0xff)
          view.setUint8(pos + 2, (v >> 16) & 0xff)
          break
        }
        case 'pcm32':
          view.setInt32(pos, toInt(value, 2147483648), true)
          break
        case 'float32':
          view.setFloat32(pos, Number.isNaN(value) ? 0 : Math.max(-1, Math.min(1 - 2 ** -24, value)), true)
          break
      }
    }
  }
  return out
}

/** A whole WAV file in memory (header + samples + pad byte when the data size is odd). */
export function encodeWav(channelData: Float32Array[], sampleRateHz: number, format: WavSampleFormat): Uint8Array {
  const body = encodeSamples(channelData, channelData.length, format)
  const header = encodeWavHeader({ sampleRateHz, channels: channelData.length, format, dataBytes: body.length })
  const file = new Uint8Array(header.length + body.length + (body.length & 1))
  file.set(header, 0)
  file.set(body, header.length)
  return file
}

/**
 * Pure helper for streaming writers: `push` encodes a chunk and counts the bytes; `header()`
 * is the header for everything pushed so far, to rewrite at offset 0 of the file. A writer
 * that crashes leaves an earlier header, which `decodeWav` recovers from (data size 0/overrun).
 */
export class StreamingWavEncoder {
  readonly sampleRateHz: number
  readonly channels: number
  readonly format: WavSampleFormat
  private dataBytesWritten = 0

  constructor(sampleRateHz: number, channels: number, format: WavSampleFormat) {
    // Validates all three arguments up front.
    encodeWavHeader({ sampleRateHz, channels, format, dataBytes: 0 })
    this.sampleRateHz = sampleRateHz
    this.channels = channels
    this.format = format
  }

  get dataBytes(): number {
    return this.dataBytesWritten
  }

  get frames(): number {
    return this.dataBytesWritten / (bytesPerSample(this.format) * this.channels)
  }

  /** Encode one chunk (per-channel arrays or interleaved); returns the bytes to append. */
  push(samples: Float32Array[] | Float32Array): Uint8Array {
    const bytes = encodeSamples(samples, this.channels, this.format)
    if (this.dataBytesWritten + bytes.length > WAV_MAX_DATA_BYTES) {
      throw new InvalidArgumentError(`push: data would exceed the WAV limit of ${WAV_MAX_DATA_BYTES} bytes`)
    }
    this.dataBytesWritten += bytes.length
    return bytes
  }

  header(): Uint8Array {
    return encodeWavHeader({
      sampleRateHz: this.sampleRateHz,
      channels: this.channels,
      format: this.format,
      dataBytes: this.dataBytesWritten,
    })
  }

  /** The pad byte RIFF wants after an odd-sized data chunk (empty when none is due). */
  trailer(): Uint8Array {
    return new Uint8Array(this.dataBytesWritten & 1)
  }
}
