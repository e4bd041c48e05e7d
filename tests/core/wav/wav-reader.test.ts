import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { FormatError } from '../../../src/core/errors'
import { WavFormatError, decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'
import { CIRCOR_FIXTURES } from '../../helpers/circor-dataset'

const REAL_WAV = join(CIRCOR_FIXTURES, '14241_AV.wav')
const realBytes = new Uint8Array(readFileSync(REAL_WAV))
const work = mkdtempSync(join(tmpdir(), 'ausculta-wav-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Convert the real recording with sox (a real, independent encoder) and return the bytes. */
function sox(outName: string, ...encodeArgs: string[]): Uint8Array {
  const out = join(work, outName)
  const run = spawnSync('sox', [REAL_WAV, ...encodeArgs, out], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`sox failed: ${run.stderr}`)
  return new Uint8Array(readFileSync(out))
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]
}
function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0))
}
/** The canonical 44-byte CirCor header split: fmt chunk (24 bytes) and the data body. */
const fmtChunk = [...realBytes.subarray(12, 36)]
const dataBody = realBytes.subarray(44)

function riff(chunks: number[][], riffSize?: number): Uint8Array {
  const body = chunks.flat()
  return new Uint8Array([...ascii('RIFF'), ...le32(riffSize ?? body.length + 4), ...ascii('WAVE'), ...body])
}
function chunk(id: string, body: ArrayLike<number>, declaredSize = body.length): number[] {
  const padded = [...Array.from(body), ...(body.length & 1 ? [0] : [])]
  return [...ascii(id), ...le32(declaredSize), ...padded]
}

describe('decodeWav on the real CirCor recording', () => {
  const audio = decodeWav(realBytes, REAL_WAV)

  it('reads the header fields the file declares', () => {
    expect(audio).toMatchObject({ sampleRateHz: 4000, channels: 1, format: 'pcm16', warnings: [] })
    // 163884-byte file, 44-byte header, 2 bytes per mono frame.
    expect(audio.frames).toBe((163884 - 44) / 2)
  })

  it('agrees sample for sample with Python’s wave module', () => {
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        [
          'import wave,sys,struct',
          'w=wave.open(sys.argv[1])',
          'n=w.getnframes()',
          'd=struct.unpack("<%dh"%n,w.readframes(n))',
          'print(n,sum(d),sum(abs(x) for x in d),d[0],d[-1])',
        ].join('\n'),
        REAL_WAV,
      ],
      { encoding: 'utf8' },
    )
    expect(py.status).toBe(0)
    const [n, sum, absSum, first, last] = py.stdout.trim().split(' ').map(Number)
    const ints = Array.from(audio.channelData[0]!, (v) => Math.round(v * 32768))
    expect(ints.length).toBe(n)
    expect(ints.reduce((a, b) => a + b, 0)).toBe(sum)
    expect(ints.reduce((a, b) => a + Math.abs(b), 0)).toBe(absSum)
    expect([ints[0], ints.at(-1)]).toEqual([first, last])
  })
})

describe('decodeWav on sox conversions of the real recording', () => {
  const reference = decodeWav(realBytes).channelData[0]!
  // Each case: sox arguments, expected format, tolerance = the quantisation step of the narrower encoding.
  const cases: [string, string[], string, number][] = [
    ['u8.wav', ['-b', '8', '-e', 'unsigned-integer', '-D'], 'pcm8', 1 / 128],
    ['s24.wav', ['-b', '24', '-e', 'signed-integer'], 'pcm24', 1 / 32768],
    ['s32.wav', ['-b', '32', '-e', 'signed-integer'], 'pcm32', 1 / 32768],
    ['f32.wav', ['-b', '32', '-e', 'floating-point'], 'float32', 1 / 32768],
  ]
  for (const [name, args, format, tolerance] of cases) {
    it(`decodes ${format} (${name})`, () => {
      const audio = decodeWav(sox(name, ...args), name)
      expect(audio.format).toBe(format)
      expect(audio.frames).toBe(reference.length)
      let worst = 0
      for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(audio.channelData[0]![i]! - reference[i]!))
      expect(worst).toBeLessThanOrEqual(tolerance)
    })
  }

  it('decodes WAVE_FORMAT_EXTENSIBLE with 3 channels (sox writes extensible for > 2 channels)', () => {
    const out = join(work, 'three.wav')
    const run = spawnSync('sox', ['-M', REAL_WAV, REAL_WAV, REAL_WAV, '-b', '24', out])
    expect(run.status).toBe(0)
    const bytes = new Uint8Array(readFileSync(out))
    expect(bytes[20]! | (bytes[21]! << 8)).toBe(0xfffe) // proves the file really is extensible
    const audio = decodeWav(bytes, out)
    expect(audio.channels).toBe(3)
    expect(audio.format).toBe('pcm24')
    // sox -M scales nothing by default; each channel equals the source within one 16-bit LSB.
    const mono = downmixToMono(audio)
    for (const i of [0, 1000, 20000]) expect(Math.abs(mono[i]! - reference[i]!)).toBeLessThanOrEqual(1 / 32768)
  })

  it('names the encoding it refuses: 64-bit float and mu-law', () => {
    expect(() => decodeWav(sox('f64.wav', '-b', '64', '-e', 'floating-point'), 'f64.wav')).toThrow(
      'f64.wav: unsupported format 3 (IEEE float 64-bit)',
    )
    expect(() => decodeWav(sox('ulaw.wav', '-e', 'mu-law'), 'ulaw.wav')).toThrow('ulaw.wav: unsupported format 7 (mu-law)')
  })
})

describe('decodeWav chunk handling', () => {
  const expected = decodeWav(realBytes).channelData[0]!

  it('skips LIST/fact chunks and honours odd-size padding', () => {
    const bytes = riff([
      fmtChunk,
      chunk('LIST', ascii('INFOISFT\x05\x00\x00\x00abcd\x00')),
      chunk('fact', le32(1)),
      chunk('data', dataBody),
    ])
    const audio = decodeWav(bytes)
    expect(audio.warnings).toEqual([])
    expect(audio.channelData[0]).toEqual(expected)
  })

  it('reads an odd-sized data chunk and drops the partial frame with a warning', () => {
    const audio = decodeWav(riff([fmtChunk, chunk('data', dataBody.subarray(0, 2001))]))
    expect(audio.frames).toBe(1000)
    expect(audio.warnings.join()).toContain('partial frame of 1 bytes')
  })

  for (const declared of [0xffffffff, 0]) {
    it(`recovers a data chunk whose declared size is ${declared} (unfinalised writer)`, () => {
      const bytes = new Uint8Array([...realBytes])
      new DataView(bytes.buffer).setUint32(40, declared, true)
      new DataView(bytes.buffer).setUint32(4, declared === 0 ? 36 : declared, true)
      const audio = decodeWav(bytes, 'crashed.wav')
      expect(audio.frames).toBe(expected.length)
      expect(audio.channelData[0]).toEqual(expected)
      expect(audio.warnings.join()).toMatch(/crashed\.wav: data chunk size/)
    })
  }

  it('keeps an empty data chunk empty when the RIFF size says more chunks follow', () => {
    const audio = decodeWav(riff([fmtChunk, chunk('data', []), chunk('LIST', ascii('INFO'))]))
    expect(audio.frames).toBe(0)
    expect(audio.warnings).toEqual([])
  })

  it('decodes a view that starts part-way into a larger buffer (pooled Node Buffers)', () => {
    const backing = new Uint8Array(realBytes.length + 7)
    backing.set(realBytes, 7)
    expect(decodeWav(backing.subarray(7)).channelData[0]).toEqual(expected)
  })

  it('reads whole frames of a file cut in the middle of a frame', () => {
    const audio = decodeWav(realBytes.subarray(0, 44 + 2 * 500 + 1))
    expect(audio.frames).toBe(500)
    expect(audio.channelData[0]).toEqual(expected.subarray(0, 500))
  })
})

describe('decodeWav errors', () => {
  const cases: [string, Uint8Array, string][] = [
    ['ID3 tag', new Uint8Array([...ascii('ID3\x04'), ...new Array(20).fill(0)]), 'x.wav: not a RIFF file (starts with "ID3\\x04")'],
    ['too short', realBytes.subarray(0, 11), 'x.wav: file too short for a RIFF header (11 bytes, need 12)'],
    ['AVI form', riff([]).map((b, i) => (i >= 8 && i < 12 ? ascii('AVI ')[i - 8]! : b)), 'x.wav: RIFF form type "AVI " is not WAVE'],
    ['no fmt', riff([chunk('data', dataBody)]), 'x.wav: fmt chunk missing'],
    ['no data', riff([fmtChunk]), 'x.wav: data chunk missing'],
    [
      'corrupt LIST size hides the rest',
      riff([fmtChunk, chunk('LIST', ascii('INFO'), 0x7fff0000), chunk('data', [0, 0])]),
      'x.wav: data chunk missing (chunk "LIST" at byte 36 declares 2147418112 bytes, 14 left)',
    ],
    ['header cut inside fmt', realBytes.subarray(0, 30), 'x.wav: fmt chunk truncated (size 16, 10 bytes left)'],
    ['zero channels', riff([fmtChunk.map((b, i) => (i === 10 ? 0 : b)), chunk('data', [])]), 'x.wav: channels 0 in fmt chunk'],
    ['12-bit PCM', riff([fmtChunk.map((b, i) => (i === 22 ? 12 : b)), chunk('data', [])]), 'x.wav: unsupported bits per sample 12 (PCM)'],
    ['RIFX', new Uint8Array([...ascii('RIFX'), ...realBytes.subarray(4, 44)]), 'x.wav: unsupported big-endian RIFX file'],
  ]
  for (const [what, bytes, message] of cases) {
    it(`${what} → WavFormatError naming the file and value`, () => {
      let caught: unknown
      try {
        decodeWav(bytes, 'x.wav')
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(WavFormatError)
      expect(caught).toBeInstanceOf(FormatError)
      expect((caught as Error).message).toBe(message)
      expect((caught as Error).name).toBe('WavFormatError')
    })
  }
})

describe('decodeWav on hostile bytes (property)', () => {
  /** Success must yield well-formed audio; failure must be a WavFormatError. */
  function checkDecode(bytes: Uint8Array): void {
    let audio
    try {
      audio = decodeWav(bytes, 'fuzz.wav')
    } catch (error) {
      if (!(error instanceof WavFormatError)) throw error
      return
    }
    expect(audio.channelData.length).toBe(audio.channels)
    for (const data of audio.channelData) {
      expect(data.length).toBe(audio.frames)
      for (const v of data) if (!(v >= -1 && v < 1)) throw new Error(`sample ${v} outside [-1, 1)`)
    }
  }
  const head = realBytes.subarray(0, 400)

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => checkDecode(bytes)),
      { numRuns: 2000 },
    )
  })

  it('RIFF/WAVE prefix followed by random chunks', () => {
    const prefix = ascii('RIFF\x00\x00\x00\x00WAVE')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (rest) => checkDecode(new Uint8Array([...prefix, ...rest]))),
      {
        numRuns: 2000,
      },
    )
  })

  function mutations(base: Uint8Array, numRuns: number): void {
    const mutation = fc.record({
      edits: fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      cut: fc.nat(base.length),
    })
    fc.assert(
      fc.property(mutation, ({ edits, cut }) => {
        const bytes = new Uint8Array(base)
        for (const [at, value] of edits) bytes[at] = value
        checkDecode(bytes.subarray(0, cut))
      }),
      { numRuns },
    )
  }

  it('a real file with bytes overwritten, cut or both', () => mutations(head, 3000))

  it('a sox WAVE_FORMAT_EXTENSIBLE 24-bit file with bytes overwritten, cut or both', () => {
    // sox writes extensible for 3 channels of 24 bits; edits land mostly in its 68-byte header (cbSize, GUID).
    mutations(sox('fuzz-ext.wav', '-c', '3', '-b', '24').subarray(0, 200), 2000)
  })

  it('a sox float file (18-byte fmt + fact chunk) with bytes overwritten, cut or both', () => {
    mutations(sox('fuzz-float.wav', '-c', '2', '-b', '32', '-e', 'floating-point').subarray(0, 200), 2000)
  })

  it('float data with NaN, infinities and out-of-range values is cleaned, not passed on', () => {
    const floats = new Float32Array([0.5, Number.NaN, Number.POSITIVE_INFINITY, 2, -3, -1, 1])
    const fmt = [...ascii('fmt '), ...le32(16), 3, 0, 1, 0, ...le32(4000), ...le32(16000), 4, 0, 32, 0]
    const audio = decodeWav(riff([fmt, chunk('data', new Uint8Array(floats.buffer))]))
    expect(Array.from(audio.channelData[0]!)).toEqual([0.5, 0, 0, 1 - 2 ** -24, -1, -1, 1 - 2 ** -24])
    expect(audio.warnings).toEqual([
      '<bytes>: 2 NaN/infinite float samples replaced by 0',
      '<bytes>: 2 float samples outside [-1, 1) clipped',
    ])
  })
})

describe('downmixToMono', () => {
  it('averages channels', () => {
    const mono = downmixToMono({ frames: 2, channelData: [new Float32Array([1, 0.5]), new Float32Array([0, -0.5])] })
    expect(Array.from(mono)).toEqual([0.5, 0])
  })
})
