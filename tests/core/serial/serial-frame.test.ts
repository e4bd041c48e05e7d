import { describe, expect, it } from 'vitest'
import { crc32 } from '../../../src/core/crc32'
import {
  encodeAudioFrame,
  encodeEndFrame,
  encodeTextFrame,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  parseFrameAt,
} from '../../../src/core/serial/serial-frame'
import { InvalidArgumentError } from '../../../src/core/errors'
import { readPcm16 } from './pcm-fixture'

describe('crc32', () => {
  it('matches the CRC-32/ISO-HDLC check value', () => {
    // 0xCBF43926 is the catalogued check value of CRC-32/ISO-HDLC over ASCII "123456789"
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })
})

describe('serial frame', () => {
  const { samples } = readPcm16()

  it('round-trips real int16 PCM exactly', () => {
    const chunk = samples.subarray(1000, 1256)
    const frame = encodeAudioFrame({ sequence: 7, sampleRateHz: 4000, firstSampleIndex: 1000, samples: chunk })
    // 18-byte header + 2 bytes per s16 sample + 4-byte CRC (docs/serial-protocol.md)
    expect(frame.length).toBe(HEADER_BYTES + 256 * 2 + 4)
    const parsed = parseFrameAt(frame, 0)
    expect(parsed.kind).toBe('frame')
    if (parsed.kind !== 'frame' || parsed.frame.type !== 'audio') throw new Error('not audio')
    expect(parsed.frame.sequence).toBe(7)
    expect(parsed.frame.firstSampleIndex).toBe(1000)
    expect(parsed.frame.sampleRateHz).toBe(4000)
    expect(Array.from(parsed.frame.samples)).toEqual(Array.from(chunk))
  })

  it('round-trips s24 and f32 within their resolution', () => {
    const chunk = samples.subarray(5000, 5100)
    for (const [sampleFormat, tolerance] of [
      ['s24le', 1 / 8388608],
      ['f32le', 0],
    ] as const) {
      const parsed = parseFrameAt(
        encodeAudioFrame({ sequence: 0, sampleRateHz: 16000, firstSampleIndex: 0, samples: chunk, sampleFormat }),
        0,
      )
      if (parsed.kind !== 'frame' || parsed.frame.type !== 'audio') throw new Error('not audio')
      // one LSB of the format is the most a round trip may change a sample
      for (let i = 0; i < chunk.length; i++) expect(Math.abs(parsed.frame.samples[i]! - chunk[i]!)).toBeLessThanOrEqual(tolerance)
    }
  })

  it('round-trips text and end frames', () => {
    const text = parseFrameAt(encodeTextFrame('INFO version=1 name=sim'), 0)
    expect(text).toMatchObject({ kind: 'frame', frame: { type: 'text', text: 'INFO version=1 name=sim' } })
    const end = parseFrameAt(encodeEndFrame(65535, 123456), 0)
    expect(end).toMatchObject({ kind: 'frame', frame: { type: 'end', sequence: 65535, firstSampleIndex: 123456 } })
  })

  it('rejects every single flipped bit by CRC or header check', () => {
    const frame = encodeAudioFrame({ sequence: 1, sampleRateHz: 4000, firstSampleIndex: 0, samples: samples.subarray(0, 32) })
    for (let bit = 16; bit < frame.length * 8; bit++) {
      const copy = frame.slice()
      copy[bit >> 3]! ^= 1 << (bit & 7)
      const result = parseFrameAt(copy, 0)
      expect(result.kind, `bit ${bit}`).not.toBe('frame')
    }
  })

  it('reports an incomplete frame with the length it needs', () => {
    const frame = encodeAudioFrame({ sequence: 1, sampleRateHz: 4000, firstSampleIndex: 0, samples: samples.subarray(0, 10) })
    expect(parseFrameAt(frame.subarray(0, 10), 0)).toEqual({ kind: 'incomplete', byteLength: HEADER_BYTES })
    expect(parseFrameAt(frame.subarray(0, frame.length - 1), 0)).toEqual({ kind: 'incomplete', byteLength: frame.length })
  })

  it('names the bad value when encoding is impossible', () => {
    expect(() =>
      encodeAudioFrame({ sequence: 0, sampleRateHz: 4000, firstSampleIndex: 0, samples: new Float32Array(MAX_PAYLOAD_BYTES) }),
    ).toThrow(InvalidArgumentError)
    expect(() => encodeAudioFrame({ sequence: 0, sampleRateHz: 12, firstSampleIndex: 0, samples: new Float32Array(4) })).toThrow(
      /sampleRateHz 12/,
    )
  })
})
