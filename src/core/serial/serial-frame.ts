/**
 * Ausculta serial stream protocol v1 — frame layout, encoder and single-frame parser.
 * The normative description is docs/serial-protocol.md; keep the two in step.
 *
 *  offset size field
 *   0     2    sync            0xA5 0x5A
 *   2     1    version         1
 *   3     1    type            1 audio, 2 text, 3 end of stream
 *   4     2    sequence        u16 LE, +1 per audio frame (wraps); end frame: next sequence
 *   6     1    sampleFormat    1 s16le, 2 s24le, 3 f32le (0 in text frames)
 *   7     1    channels        1..8 interleaved (0 in text frames)
 *   8     4    sampleRateHz    u32 LE (0 in text frames)
 *  12     4    firstSampleIndex u32 LE: frames (per channel) sent before this one (wraps)
 *  16     2    payloadLength   u16 LE bytes, <= MAX_PAYLOAD_BYTES
 *  18     n    payload
 *  18+n   4    crc32           CRC-32/ISO-HDLC of bytes [2, 18+n), LE
 */
import { FormatError, InvalidArgumentError } from '../errors'
import { crc32 } from '../crc32'

export const SYNC_0 = 0xa5
export const SYNC_1 = 0x5a
export const PROTOCOL_VERSION = 1
export const HEADER_BYTES = 18
export const CRC_BYTES = 4
/** Bounded so that a corrupted length field delays resynchronisation by at most ~4 KiB. */
export const MAX_PAYLOAD_BYTES = 4096
export const MAX_FRAME_BYTES = HEADER_BYTES + MAX_PAYLOAD_BYTES + CRC_BYTES
export const MAX_CHANNELS = 8
export const MIN_SAMPLE_RATE_HZ = 100
export const MAX_SAMPLE_RATE_HZ = 384_000

export const FrameType = { audio: 1, text: 2, end: 3 } as const
export type FrameTypeName = keyof typeof FrameType

export const SampleFormat = { s16le: 1, s24le: 2, f32le: 3 } as const
export type SampleFormatName = keyof typeof SampleFormat

export function bytesPerSample(format: SampleFormatName): number {
  return format === 's16le' ? 2 : format === 's24le' ? 3 : 4
}

function formatName(code: number): SampleFormatName | undefined {
  return code === 1 ? 's16le' : code === 2 ? 's24le' : code === 3 ? 'f32le' : undefined
}

export interface AudioFrame {
  type: 'audio'
  sequence: number
  sampleFormat: SampleFormatName
  channels: number
  sampleRateHz: number
  firstSampleIndex: number
  /** interleaved samples scaled to [-1, 1] (f32 payloads pass through unclipped) */
  samples: Float32Array
}
export interface TextFrame {
  type: 'text'
  text: string
}
export interface EndFrame {
  type: 'end'
  /** the sequence number the next audio frame would have carried */
  sequence: number
  /** total frames (per channel) sent in the stream */
  firstSampleIndex: number
}
export type Frame = AudioFrame | TextFrame | EndFrame

/** A frame's header failed validation; thrown by encoders, counted (not thrown) by the decoder. */
export class SerialFrameError extends FormatError {}

export interface AudioFrameInput {
  sequence: number
  sampleRateHz: number
  firstSampleIndex: number
  channels?: number
  sampleFormat?: SampleFormatName
  /** interleaved, in [-1, 1] for integer formats (clipped) */
  samples: Float32Array
}

function writeHeader(
  view: DataView,
  type: number,
  sequence: number,
  format: number,
  channels: number,
  rateHz: number,
  firstSampleIndex: number,
  payloadLength: number,
): void {
  view.setUint8(0, SYNC_0)
  view.setUint8(1, SYNC_1)
  view.setUint8(2, PROTOCOL_VERSION)
  view.setUint8(3, type)
  view.setUint16(4, sequence & 0xffff, true)
  view.setUint8(6, format)
  view.setUint8(7, channels)
  view.setUint32(8, rateHz >>> 0, true)
  view.setUint32(12, firstSampleIndex >>> 0, true)
  view.setUint16(16, payloadLength, true)
}

function finish(frame: Uint8Array, payloadLength: number): Uint8Array {
  const end = HEADER_BYTES + payloadLength
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(end, crc32(frame, 2, end), true)
  return frame
}

export function encodeAudioFrame(input: AudioFrameInput): Uint8Array {
  const format = input.sampleFormat ?? 's16le'
  const channels = input.channels ?? 1
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS)
    throw new InvalidArgumentError(`serial frame: channels ${channels} outside 1..${MAX_CHANNELS}`)
  if (!Number.isInteger(input.sampleRateHz) || input.sampleRateHz < MIN_SAMPLE_RATE_HZ || input.sampleRateHz > MAX_SAMPLE_RATE_HZ)
    throw new InvalidArgumentError(`serial frame: sampleRateHz ${input.sampleRateHz} outside ${MIN_SAMPLE_RATE_HZ}..${MAX_SAMPLE_RATE_HZ}`)
  if (input.samples.length % channels !== 0)
    throw new InvalidArgumentError(`serial frame: ${input.samples.length} samples is not a multiple of ${channels} channels`)
  const bps = bytesPerSample(format)
  const payloadLength = input.samples.length * bps
  if (payloadLength > MAX_PAYLOAD_BYTES)
    throw new InvalidArgumentError(
      `serial frame: payload ${payloadLength} bytes exceeds ${MAX_PAYLOAD_BYTES} (${input.samples.length} ${format} samples)`,
    )
  const frame = new Uint8Array(HEADER_BYTES + payloadLength + CRC_BYTES)
  const view = new DataView(frame.buffer)
  writeHeader(
    view,
    FrameType.audio,
    input.sequence,
    SampleFormat[format],
    channels,
    input.sampleRateHz,
    input.firstSampleIndex,
    payloadLength,
  )
  let offset = HEADER_BYTES
  for (const raw of input.samples) {
    const x = Number.isNaN(raw) ? 0 : raw
    if (format === 'f32le') {
      view.setFloat32(offset, x, true)
    } else if (format === 's16le') {
      view.setInt16(offset, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true)
    } else {
      const v = Math.max(-8388608, Math.min(8388607, Math.round(x * 8388608)))
      view.setUint8(offset, v & 0xff)
      view.setUint8(offset + 1, (v >> 8) & 0xff)
      view.setUint8(offset + 2, (v >> 16) & 0xff)
    }
    offset += bps
  }
  return finish(frame, payloadLength)
}

export function encodeTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text)
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new InvalidArgumentError(`serial frame: text of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`)
  const frame = new Uint8Array(HEADER_BYTES + payload.length + CRC_BYTES)
  writeHeader(new DataView(frame.buffer), FrameType.text, 0, 0, 0, 0, 0, payload.length)
  frame.set(payload, HEADER_BYTES)
  return finish(frame, payload.length)
}

export function encodeEndFrame(sequence: number, totalSamples: number): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + CRC_BYTES)
  writeHeader(new DataView(frame.buffer), FrameType.end, sequence, 0, 0, 0, totalSamples, 0)
  return finish(frame, 0)
}

/** Result of looking at the bytes at a sync position. */
export type ParseResult =
  | { kind: 'frame'; frame: Frame; byteLength: number }
  /** header plausible, but fewer bytes than the frame needs are available */
  | { kind: 'incomplete'; byteLength: number }
  /** not a frame here: bad header field, or CRC mismatch (`crcMismatch`) */
  | { kind: 'invalid'; reason: string; crcMismatch: boolean }

/**
 * Parses one frame starting at `offset` (which must hold the sync word). Never throws on bad
 * bytes: the decoder needs to know *how* a candidate failed to count it.
 */
export function parseFrameAt(bytes: Uint8Array, offset: number): ParseResult {
  const available = bytes.length - offset
  if (available < HEADER_BYTES) return { kind: 'incomplete', byteLength: HEADER_BYTES }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, available)
  if (view.getUint8(0) !== SYNC_0 || view.getUint8(1) !== SYNC_1) return { kind: 'invalid', reason: 'no sync word', crcMismatch: false }
  const version = view.getUint8(2)
  if (version !== PROTOCOL_VERSION) return { kind: 'invalid', reason: `version ${version}`, crcMismatch: false }
  const type = view.getUint8(3)
  const sequence = view.getUint16(4, true)
  const formatCode = view.getUint8(6)
  const channels = view.getUint8(7)
  const sampleRateHz = view.getUint32(8, true)
  const firstSampleIndex = view.getUint32(12, true)
  const payloadLength = view.getUint16(16, true)
  if (payloadLength > MAX_PAYLOAD_BYTES) return { kind: 'invalid', reason: `payloadLength ${payloadLength}`, crcMismatch: false }
  const format = formatName(formatCode)
  if (type === FrameType.audio) {
    if (format === undefined) return { kind: 'invalid', reason: `sampleFormat ${formatCode}`, crcMismatch: false }
    if (channels < 1 || channels > MAX_CHANNELS) return { kind: 'invalid', reason: `channels ${channels}`, crcMismatch: false }
    if (sampleRateHz < MIN_SAMPLE_RATE_HZ || sampleRateHz > MAX_SAMPLE_RATE_HZ)
      return { kind: 'invalid', reason: `sampleRateHz ${sampleRateHz}`, crcMismatch: false }
    if (payloadLength % (bytesPerSample(format) * channels) !== 0)
      return { kind: 'invalid', reason: `payloadLength ${payloadLength} not whole sample frames`, crcMismatch: false }
  } else if (type === FrameType.end) {
    if (payloadLength !== 0) return { kind: 'invalid', reason: `end frame payloadLength ${payloadLength}`, crcMismatch: false }
  } else if (type !== FrameType.text) {
    return { kind: 'invalid', reason: `type ${type}`, crcMismatch: false }
  }
  const byteLength = HEADER_BYTES + payloadLength + CRC_BYTES
  if (available < byteLength) return { kind: 'incomplete', byteLength }
  const end = offset + HEADER_BYTES + payloadLength
  const expectedCrc = view.getUint32(HEADER_BYTES + payloadLength, true)
  const actualCrc = crc32(bytes, offset + 2, end)
  if (expectedCrc !== actualCrc)
    return { kind: 'invalid', reason: `crc 0x${expectedCrc.toString(16)} != 0x${actualCrc.toString(16)}`, crcMismatch: true }

  if (type === FrameType.text) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(offset + HEADER_BYTES, end))
    return { kind: 'frame', frame: { type: 'text', text }, byteLength }
  }
  if (type === FrameType.end) return { kind: 'frame', frame: { type: 'end', sequence, firstSampleIndex }, byteLength }
  const audioFormat = format as SampleFormatName
  const bps = bytesPerSample(audioFormat)
  const samples = new Float32Array(payloadLength / bps)
  for (let i = 0, p = HEADER_BYTES; i < samples.length; i++, p += bps) {
    if (audioFormat === 's16le') samples[i] = view.getInt16(p, true) / 32768
    else if (audioFormat === 'f32le') samples[i] = view.getFloat32(p, true)
    else samples[i] = (((view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getUint8(p + 2) << 16)) << 8) >> 8) / 8388608
  }
  return {
    kind: 'frame',
    frame: { type: 'audio', sequence, sampleFormat: audioFormat, channels, sampleRateHz, firstSampleIndex, samples },
    byteLength,
  }
}
