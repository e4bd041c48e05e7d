/**
 * Streaming decoder for the Ausculta serial protocol (docs/serial-protocol.md): bytes in any
 * chunking → frames. It resynchronises after garbage by scanning for the sync word and checking
 * header plausibility and CRC; after a rejected candidate it moves one byte on and rescans, so a
 * corrupted length field never swallows the good frames behind it. Lost audio frames (sequence
 * gaps) come out as `gap` frames of silence as long as the missing samples, so the timeline of the
 * decoded stream never shifts.
 */
import { InvalidArgumentError } from '../errors'
import {
  MAX_FRAME_BYTES,
  SYNC_0,
  SYNC_1,
  parseFrameAt,
  type AudioFrame,
  type EndFrame,
  type SampleFormatName,
  type TextFrame,
} from './serial-frame'

export interface DecodedAudio extends AudioFrame {
  /** unwrapped index (per channel) of the first sample since the decoder saw its first frame */
  streamSampleIndex: number
}
export interface DecodedGap {
  type: 'gap'
  streamSampleIndex: number
  /** per-channel samples of silence standing for the lost frames */
  sampleCount: number
  channels: number
  sampleRateHz: number
  sampleFormat: SampleFormatName
  lostFrames: number
}
export interface DecodedEnd extends EndFrame {
  streamSampleIndex: number
}
export type DecodedFrame = DecodedAudio | DecodedGap | TextFrame | DecodedEnd

export interface SerialDecoderStats {
  /** frames (all types) that passed every check */
  framesOk: number
  /** sync candidates with a plausible header whose CRC failed (a false sync inside garbage counts too) */
  framesCorrupt: number
  /** audio frames missing according to sequence numbers (exact, unlike framesCorrupt) */
  framesLost: number
  /** bytes that belonged to no valid frame */
  bytesSkipped: number
  /** per-channel silence samples inserted for lost frames */
  gapSamplesFilled: number
  /** sample-index jumps too large or backwards to fill (device restart): timeline continues without fill */
  discontinuities: number
}

export interface SerialDecoderOptions {
  /** largest gap filled with silence, in seconds of audio; larger jumps count as a discontinuity */
  maxGapSeconds?: number
}

interface StreamState {
  nextSequence: number
  nextWireIndex: number
  sampleRateHz: number
  channels: number
  sampleFormat: SampleFormatName
}

export class SerialDecoder {
  private pending: Uint8Array = new Uint8Array(0)
  private state: StreamState | undefined
  private streamIndex = 0
  private readonly maxGapSeconds: number
  readonly stats: SerialDecoderStats = {
    framesOk: 0,
    framesCorrupt: 0,
    framesLost: 0,
    bytesSkipped: 0,
    gapSamplesFilled: 0,
    discontinuities: 0,
  }

  constructor(options: SerialDecoderOptions = {}) {
    this.maxGapSeconds = options.maxGapSeconds ?? 10
    if (!(this.maxGapSeconds >= 0) || !Number.isFinite(this.maxGapSeconds))
      throw new InvalidArgumentError(`SerialDecoder: maxGapSeconds ${options.maxGapSeconds} must be a finite number >= 0`)
  }

  push(bytes: Uint8Array): DecodedFrame[] {
    const buffer = this.pending.length === 0 ? bytes : concat(this.pending, bytes)
    return this.scan(buffer, false)
  }

  /** End of input: bytes of an incomplete trailing frame are rescanned and then dropped. */
  flush(): DecodedFrame[] {
    const buffer = this.pending
    this.pending = new Uint8Array(0)
    return this.scan(buffer, true)
  }

  private scan(buffer: Uint8Array, final: boolean): DecodedFrame[] {
    const out: DecodedFrame[] = []
    let i = 0
    // Every iteration consumes a frame, skips at least one byte, or stops: the loop always ends.
    while (i < buffer.length) {
      const sync = findSync(buffer, i)
      if (sync < 0) {
        // keep a trailing first sync byte: its partner may arrive in the next chunk
        const keep = !final && buffer[buffer.length - 1] === SYNC_0 ? 1 : 0
        this.stats.bytesSkipped += buffer.length - keep - i
        i = buffer.length - keep
        break
      }
      this.stats.bytesSkipped += sync - i
      i = sync
      const result = parseFrameAt(buffer, i)
      if (result.kind === 'incomplete') {
        if (!final && result.byteLength <= MAX_FRAME_BYTES) break
        this.stats.bytesSkipped += 1
        i += 1
        continue
      }
      if (result.kind === 'invalid') {
        if (result.crcMismatch) this.stats.framesCorrupt += 1
        this.stats.bytesSkipped += 1
        i += 1
        continue
      }
      this.stats.framesOk += 1
      i += result.byteLength
      const frame = result.frame
      if (frame.type === 'text') out.push(frame)
      else if (frame.type === 'audio') this.onAudio(frame, out)
      else this.onEnd(frame, out)
    }
    this.pending = final ? new Uint8Array(0) : buffer.slice(i)
    return out
  }

  private onAudio(frame: AudioFrame, out: DecodedFrame[]): void {
    if (this.state) {
      this.accountGap(frame.sequence, frame.firstSampleIndex, out)
    } else if (frame.firstSampleIndex > 0 && frame.firstSampleIndex <= this.maxGapSeconds * frame.sampleRateHz) {
      // The stream started recently (numbering begins at 0 on START) and its first frames were
      // lost: fill them so that stream time still equals device time. A large index means we
      // joined a stream already running: start the timeline here instead.
      this.state = {
        nextSequence: 0,
        nextWireIndex: 0,
        sampleRateHz: frame.sampleRateHz,
        channels: frame.channels,
        sampleFormat: frame.sampleFormat,
      }
      this.accountGap(frame.sequence, frame.firstSampleIndex, out)
    }
    const samplesPerChannel = frame.samples.length / frame.channels
    out.push({ ...frame, streamSampleIndex: this.streamIndex })
    this.streamIndex += samplesPerChannel
    this.state = {
      nextSequence: (frame.sequence + 1) & 0xffff,
      nextWireIndex: (frame.firstSampleIndex + samplesPerChannel) >>> 0,
      sampleRateHz: frame.sampleRateHz,
      channels: frame.channels,
      sampleFormat: frame.sampleFormat,
    }
  }

  private onEnd(frame: EndFrame, out: DecodedFrame[]): void {
    if (this.state) this.accountGap(frame.sequence, frame.firstSampleIndex, out)
    out.push({ ...frame, streamSampleIndex: this.streamIndex })
    // a new stream may follow (START again): its numbering restarts, so forget the old one
    this.state = undefined
  }

  private accountGap(sequence: number, wireIndex: number, out: DecodedFrame[]): void {
    const state = this.state!
    const lostFrames = (sequence - state.nextSequence) & 0xffff
    const missingSamples = (wireIndex - state.nextWireIndex) >>> 0
    const maxGapSamples = Math.round(this.maxGapSeconds * state.sampleRateHz)
    if (missingSamples === 0) {
      this.stats.framesLost += lostFrames
      return
    }
    if (missingSamples > maxGapSamples) {
      this.stats.discontinuities += 1
      return
    }
    this.stats.framesLost += lostFrames
    this.stats.gapSamplesFilled += missingSamples
    out.push({
      type: 'gap',
      streamSampleIndex: this.streamIndex,
      sampleCount: missingSamples,
      channels: state.channels,
      sampleRateHz: state.sampleRateHz,
      sampleFormat: state.sampleFormat,
      lostFrames,
    })
    this.streamIndex += missingSamples
  }
}

function findSync(buffer: Uint8Array, from: number): number {
  for (let i = buffer.indexOf(SYNC_0, from); i >= 0 && i + 1 < buffer.length; i = buffer.indexOf(SYNC_0, i + 1)) {
    if (buffer[i + 1] === SYNC_1) return i
  }
  return -1
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
