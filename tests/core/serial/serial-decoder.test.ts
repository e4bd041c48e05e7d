import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AuscultaError } from '../../../src/core/errors'
import { SerialDecoder, type DecodedFrame } from '../../../src/core/serial/serial-decoder'
import { encodeAudioFrame, encodeEndFrame, encodeTextFrame } from '../../../src/core/serial/serial-frame'
import { readPcm16 } from './pcm-fixture'
import { mulberry32 } from '../../../src/core/mulberry32'

const FRAME_SAMPLES = 128

/** Encodes a real recording as the simulator does: consecutive frames, then an end frame. */
function encodeStream(samples: Float32Array, sampleRateHz: number): Uint8Array[] {
  const frames: Uint8Array[] = []
  let sequence = 0
  for (let start = 0; start < samples.length; start += FRAME_SAMPLES) {
    frames.push(
      encodeAudioFrame({
        sequence: sequence++,
        sampleRateHz,
        firstSampleIndex: start,
        samples: samples.subarray(start, start + FRAME_SAMPLES),
      }),
    )
  }
  frames.push(encodeEndFrame(sequence, samples.length))
  return frames
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Reassembles decoded audio + gap frames into one timeline (gaps as NaN so tests can see them). */
function timeline(frames: DecodedFrame[]): Float32Array {
  const parts: number[] = []
  for (const f of frames) {
    if (f.type === 'audio') {
      expect(f.streamSampleIndex).toBe(parts.length)
      parts.push(...f.samples)
    } else if (f.type === 'gap') {
      expect(f.streamSampleIndex).toBe(parts.length)
      for (let i = 0; i < f.sampleCount; i++) parts.push(Number.NaN)
    }
  }
  return Float32Array.from(parts)
}

/** Deterministic PRNG so failures reproduce. */
const rng = mulberry32

describe('SerialDecoder', () => {
  const { samples, sampleRateHz } = readPcm16()

  it('decodes a real recording delivered in odd-sized chunks, bit-exact', () => {
    const stream = join(encodeStream(samples, sampleRateHz))
    const decoder = new SerialDecoder()
    const out: DecodedFrame[] = []
    const random = rng(1)
    for (let o = 0; o < stream.length;) {
      const n = 1 + Math.floor(random() * 700)
      out.push(...decoder.push(stream.subarray(o, o + n)))
      o += n
    }
    expect(Array.from(timeline(out))).toEqual(Array.from(samples))
    expect(decoder.stats).toEqual({
      framesOk: Math.ceil(samples.length / FRAME_SAMPLES) + 1,
      framesCorrupt: 0,
      framesLost: 0,
      bytesSkipped: 0,
      gapSamplesFilled: 0,
      discontinuities: 0,
    })
    expect(out.at(-1)).toMatchObject({ type: 'end', streamSampleIndex: samples.length })
  })

  it('with 1 % of bytes corrupted, resynchronises and accounts for every lost frame', () => {
    const frames = encodeStream(samples, sampleRateHz)
    const random = rng(42)
    const corrupted = new Set<number>()
    // corrupt audio frames only: the end frame carries the total that makes trailing losses countable
    const damaged = frames.map((frame, index) => {
      if (index === frames.length - 1) return frame
      const copy = frame.slice()
      for (let b = 0; b < copy.length; b++) {
        if (random() < 0.01) {
          copy[b]! ^= 1 + Math.floor(random() * 255)
          corrupted.add(index)
        }
      }
      return copy
    })
    const decoder = new SerialDecoder()
    const out = [...decoder.push(join(damaged)), ...decoder.flush()]
    const line = timeline(out)
    // time never shifts: the timeline is exactly as long as the recording
    expect(line.length).toBe(samples.length)
    expect(decoder.stats.framesLost).toBe(corrupted.size)
    // with ~290-byte frames and p = 0.01 most frames are hit (1 - 0.99^290 ≈ 95 %); the point is that many are
    expect(corrupted.size).toBeGreaterThan(frames.length / 2)
    let gapSamples = 0
    for (let i = 0; i < samples.length; i++) {
      if (Number.isNaN(line[i])) gapSamples++
      else expect(line[i]).toBe(samples[i])
    }
    expect(gapSamples).toBe(decoder.stats.gapSamplesFilled)
    // every corrupted frame carries FRAME_SAMPLES samples except possibly the short last one
    expect(gapSamples).toBeGreaterThan((corrupted.size - 1) * FRAME_SAMPLES)
    expect(gapSamples).toBeLessThanOrEqual(corrupted.size * FRAME_SAMPLES)
  })

  it('finds frames among text replies and line noise', () => {
    const noise = new TextEncoder().encode('\x00\xff garbage \xa5 \xa5\x5a\x01 more')
    const stream = join([noise, encodeTextFrame('OK START'), noise, ...encodeStream(samples.subarray(0, 1000), 4000), noise])
    const decoder = new SerialDecoder()
    const out = [...decoder.push(stream), ...decoder.flush()]
    expect(out[0]).toEqual({ type: 'text', text: 'OK START' })
    expect(Array.from(timeline(out))).toEqual(Array.from(samples.subarray(0, 1000)))
    expect(decoder.stats.bytesSkipped).toBe(3 * noise.length)
  })

  it('treats a device restart as a discontinuity, not as hours of silence', () => {
    const decoder = new SerialDecoder()
    const first = encodeAudioFrame({ sequence: 500, sampleRateHz: 4000, firstSampleIndex: 1_000_000, samples: samples.subarray(0, 100) })
    const restarted = encodeAudioFrame({ sequence: 0, sampleRateHz: 4000, firstSampleIndex: 0, samples: samples.subarray(100, 200) })
    const out = decoder.push(join([first, restarted]))
    expect(out.map((f) => f.type)).toEqual(['audio', 'audio'])
    expect(decoder.stats.discontinuities).toBe(1)
    expect(out[1]).toMatchObject({ streamSampleIndex: 100 })
  })

  it('fills a gap across the u16 sequence and u32 index wrap', () => {
    const decoder = new SerialDecoder()
    const a = encodeAudioFrame({ sequence: 65535, sampleRateHz: 4000, firstSampleIndex: 0xffffff00, samples: samples.subarray(0, 256) })
    // sequence 0 (index 0) lost; sequence 1 (index 0x100) arrives
    const c = encodeAudioFrame({ sequence: 1, sampleRateHz: 4000, firstSampleIndex: 0x100, samples: samples.subarray(512, 768) })
    const out = decoder.push(join([a, c]))
    expect(out.map((f) => f.type)).toEqual(['audio', 'gap', 'audio'])
    expect(out[1]).toMatchObject({ sampleCount: 256, lostFrames: 1, streamSampleIndex: 256 })
    expect(decoder.stats.framesLost).toBe(1)
  })

  it('property: random bytes only ever give frames or typed errors, and always return', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (chunks) => {
        const decoder = new SerialDecoder()
        let consumed = 0
        try {
          for (const chunk of chunks) {
            decoder.push(chunk)
            consumed += chunk.length
          }
          decoder.flush()
        } catch (error) {
          expect(error).toBeInstanceOf(AuscultaError)
        }
        const s = decoder.stats
        // every byte is either skipped or part of an accepted frame (18-byte header minimum)
        expect(s.bytesSkipped).toBeLessThanOrEqual(consumed)
      }),
      { numRuns: 500 },
    )
  })

  it('property: valid frames survive arbitrary garbage between them and arbitrary chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 200 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 97 }),
        (parts, chunkBytes) => {
          let index = 0
          const pieces: Uint8Array[] = []
          const expected: number[] = []
          parts.forEach(([garbage, count], sequence) => {
            // garbage must not itself contain a complete valid frame: random bytes cannot pass CRC-32 in practice
            pieces.push(garbage)
            const chunk = samples.subarray(index, index + count)
            pieces.push(encodeAudioFrame({ sequence, sampleRateHz: 4000, firstSampleIndex: index, samples: chunk }))
            expected.push(...chunk)
            index += count
          })
          const stream = join(pieces)
          const decoder = new SerialDecoder()
          const out: DecodedFrame[] = []
          for (let o = 0; o < stream.length; o += chunkBytes) out.push(...decoder.push(stream.subarray(o, o + chunkBytes)))
          out.push(...decoder.flush())
          expect(Array.from(timeline(out))).toEqual(expected)
          expect(decoder.stats.framesLost).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })
})
