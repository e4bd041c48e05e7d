import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { WAV_SAMPLE_FORMATS, type WavSampleFormat } from '../../../src/core/wav/wav-format'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { StreamingWavEncoder, WAV_HEADER_BYTES, encodeSamples, encodeWav, encodeWavHeader } from '../../../src/core/wav/wav-writer'

const REAL_WAV = fileURLToPath(new URL('../../../samples/50238_MV.wav', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'ausculta-wavw-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** One quantisation step (LSB) of each format, as a fraction of full scale. */
const LSB: Record<WavSampleFormat, number> = { pcm8: 1 / 128, pcm16: 1 / 32768, pcm24: 1 / 8388608, pcm32: 1 / 2147483648, float32: 0 }

const channelArrays = fc.integer({ min: 1, max: 4 }).chain((channels) =>
  fc.integer({ min: 0, max: 200 }).chain((frames) =>
    fc.array(fc.array(fc.float({ min: -1, max: Math.fround(1 - 2 ** -24), noNaN: true }), { minLength: frames, maxLength: frames }), {
      minLength: channels,
      maxLength: channels,
    }),
  ),
)

describe('encodeWav → decodeWav round trip', () => {
  for (const format of WAV_SAMPLE_FORMATS) {
    it(`${format}: every sample back within half an LSB (ints) / exactly (float) (property)`, () => {
      fc.assert(
        fc.property(channelArrays, fc.integer({ min: 1, max: 192000 }), (arrays, rateHz) => {
          const channelData = arrays.map((a) => Float32Array.from(a))
          const bytes = encodeWav(channelData, rateHz, format)
          const audio = decodeWav(bytes)
          expect(audio).toMatchObject({ sampleRateHz: rateHz, channels: channelData.length, format, warnings: [] })
          expect(audio.frames).toBe(channelData[0]!.length)
          channelData.forEach((data, c) => {
            for (let i = 0; i < data.length; i++) {
              // Round-to-nearest: at most half a step away; float32 is exact. Values above the
              // largest positive code (1 − LSB) clip to it, up to one step away. pcm32's step is
              // below float32 resolution, so there the float32 spacing near ±1 (2^-24) rules.
              const halfStep = data[i]! > 1 - LSB[format] ? LSB[format] : LSB[format] / 2
              const tolerance = format === 'pcm32' ? 2 ** -24 : halfStep
              expect(Math.abs(audio.channelData[c]![i]! - data[i]!)).toBeLessThanOrEqual(tolerance)
            }
          })
        }),
        { numRuns: 60 },
      )
    })
  }

  it('re-encoding the real CirCor recording as pcm16 reproduces the file byte for byte', () => {
    const original = new Uint8Array(readFileSync(REAL_WAV))
    const audio = decodeWav(original)
    expect(Buffer.compare(encodeWav(audio.channelData, audio.sampleRateHz, 'pcm16'), original)).toBe(0)
  })

  it('clips out-of-range values, rounds to nearest and maps NaN to silence', () => {
    const x = new Float32Array([2, -2, 0.5 / 32768, 1.5 / 32768, -0.5 / 32768 - 1e-9, Number.NaN])
    const pcm16 = new Int16Array(encodeSamples([x], 1, 'pcm16').buffer)
    expect(Array.from(pcm16)).toEqual([32767, -32768, 1, 2, -1, 0])
    const pcm8 = encodeSamples([new Float32Array([1, -1, 0])], 1, 'pcm8')
    expect(Array.from(pcm8)).toEqual([255, 0, 128])
  })

  it('interleaved and per-channel inputs encode identically', () => {
    const left = new Float32Array([0.1, 0.2, 0.3])
    const right = new Float32Array([-0.1, -0.2, -0.3])
    const interleaved = new Float32Array([0.1, -0.1, 0.2, -0.2, 0.3, -0.3])
    expect(encodeSamples(interleaved, 2, 'pcm24')).toEqual(encodeSamples([left, right], 2, 'pcm24'))
  })
})

describe('independent readers accept what we write (sox, Python)', () => {
  const source = decodeWav(new Uint8Array(readFileSync(REAL_WAV))).channelData[0]!.subarray(0, 4000)
  for (const format of WAV_SAMPLE_FORMATS) {
    it(`sox reads our ${format} file with the right header and the same samples`, () => {
      const path = join(work, `${format}.wav`)
      writeFileSync(path, encodeWav([source, source], 4000, format))
      const info = spawnSync('soxi', [path], { encoding: 'utf8' })
      expect(info.status, info.stderr).toBe(0)
      expect(info.stdout).toMatch(/Channels\s+: 2/)
      expect(info.stdout).toMatch(/Sample Rate\s+: 4000/)
      expect(info.stdout).toMatch(/Duration\s+: 00:00:01.00 = 4000 samples/)
      // sox converts to 16-bit without dither (-D): the samples came from a 16-bit file, so
      // this must be lossless for all but pcm8, which keeps 8 bits (half an 8-bit step off).
      const back = join(work, `${format}-back.wav`)
      expect(spawnSync('sox', [path, '-D', '-b', '16', '-e', 'signed-integer', back]).status).toBe(0)
      const roundTrip = decodeWav(new Uint8Array(readFileSync(back))).channelData[0]!
      let worst = 0
      for (let i = 0; i < source.length; i++) worst = Math.max(worst, Math.abs(roundTrip[i]! - source[i]!))
      expect(worst).toBeLessThanOrEqual(format === 'pcm8' ? 1 / 256 + 1 / 32768 : 0)
    })
  }

  it("Python's wave module reads our pcm24 header", () => {
    const path = join(work, 'py.wav')
    writeFileSync(path, encodeWav([source], 4000, 'pcm24'))
    const py = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import wave,sys\nw=wave.open(sys.argv[1])\nprint(w.getnchannels(),w.getsampwidth(),w.getframerate(),w.getnframes())', path],
      {
        encoding: 'utf8',
      },
    )
    expect(py.stdout.trim()).toBe('1 3 4000 4000')
  })
})

describe('header and streaming encoder', () => {
  it('the header is always WAV_HEADER_BYTES long, whatever the format', () => {
    expect(WAV_HEADER_BYTES).toBe(44)
    for (const format of WAV_SAMPLE_FORMATS)
      expect(encodeWavHeader({ sampleRateHz: 4000, channels: 3, format, dataBytes: 99 }).length).toBe(44)
  })

  it('streamed chunks + final header equal encodeWav; a crash (header never rewritten) is still readable', () => {
    const source = decodeWav(new Uint8Array(readFileSync(REAL_WAV))).channelData[0]!.subarray(0, 9001)
    const encoder = new StreamingWavEncoder(4000, 1, 'pcm24')
    const initialHeader = encoder.header()
    const chunks: Uint8Array[] = []
    for (let at = 0; at < source.length; at += 1000) chunks.push(encoder.push(source.subarray(at, at + 1000)))
    const body = Buffer.concat(chunks)
    const finished = Buffer.concat([encoder.header(), body, encoder.trailer()])
    expect(Buffer.compare(finished, encodeWav([source], 4000, 'pcm24'))).toBe(0)
    expect(encoder.frames).toBe(9001)

    const crashed = decodeWav(Buffer.concat([initialHeader, body]), 'crashed.wav')
    expect(crashed.frames).toBe(9001)
    expect(crashed.warnings).toHaveLength(1)
  })

  it('rejects bad arguments by name', () => {
    expect(() => encodeWavHeader({ sampleRateHz: 0, channels: 1, format: 'pcm16', dataBytes: 0 })).toThrow(
      'sampleRateHz: must be a positive integer, got 0',
    )
    expect(() => new StreamingWavEncoder(4000, 0, 'pcm16')).toThrow(InvalidArgumentError)
    expect(() => encodeWav([new Float32Array(1)], 4000, 'pcm12' as WavSampleFormat)).toThrow('format: unknown WAV sample format "pcm12"')
    expect(() => encodeSamples([new Float32Array(2), new Float32Array(3)], 2, 'pcm16')).toThrow(
      'channelData[1]: length 3 differs from channel 0 (2)',
    )
  })
})
