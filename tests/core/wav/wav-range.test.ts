/**
 * Ranged WAV reading against the whole-file reader: on the real CirCor recordings (16-bit), on
 * float32 and multichannel files of every format the writer makes, and on the damaged files
 * decodeWav recovers from, `readWavLayout` finds the same frames and `decodeMonoRange` returns
 * exactly `downmixToMono(decodeWav(file))` for any range.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeMonoRange, frameByteRange, readWavLayout } from '../../../src/core/wav/wav-range'
import { WavFormatError, decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'
import { encodeWav, encodeWavHeader } from '../../../src/core/wav/wav-writer'
import { seededRandom } from '../../helpers/seeded-random'

const SAMPLES = join(__dirname, '../../../samples')

function readerOf(bytes: Uint8Array) {
  return async (offset: number, length: number): Promise<Uint8Array> => bytes.slice(offset, Math.min(bytes.length, offset + length))
}

/** Same length and every sample identical (bit for bit; a loop: toEqual on 100k-element arrays takes seconds). */
function expectSameSamples(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length)
  let first = -1
  for (let i = 0; i < got.length && first < 0; i++) if (!Object.is(got[i], want[i])) first = i
  expect(first, first < 0 ? '' : `sample ${first}: ${got[first]} ≠ ${want[first]}`).toBe(-1)
}

async function rangeOf(bytes: Uint8Array, start: number, frames: number): Promise<Float32Array> {
  const layout = await readWavLayout(readerOf(bytes), bytes.length, 'test.wav')
  const { offset, length } = frameByteRange(layout, start, frames)
  return decodeMonoRange(bytes.subarray(offset, offset + length), layout, 'test.wav')
}

describe('ranged WAV reading', () => {
  it('returns exactly the whole-file reader samples for random ranges of the real recordings', async () => {
    const random = seededRandom(7)
    for (const file of readdirSync(SAMPLES).filter((f) => f.endsWith('.wav'))) {
      const bytes = new Uint8Array(readFileSync(join(SAMPLES, file)))
      const whole = downmixToMono(decodeWav(bytes, file))
      const layout = await readWavLayout(readerOf(bytes), bytes.length, file)
      expect(layout.frames).toBe(whole.length)
      for (let i = 0; i < 20; i++) {
        const start = random.int(0, whole.length - 1)
        const frames = random.int(1, whole.length - start)
        expectSameSamples(await rangeOf(bytes, start, frames), whole.subarray(start, start + frames))
      }
      expectSameSamples(await rangeOf(bytes, 0, whole.length), whole)
    }
  })

  it('downmixes every format and channel count as downmixToMono does', async () => {
    const random = seededRandom(11)
    const channels = [0, 1, 2].map(() => Float32Array.from({ length: 3001 }, () => random.next() * 2.2 - 1.1))
    for (const format of ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32'] as const) {
      for (const count of [1, 2, 3]) {
        const bytes = encodeWav(channels.slice(0, count), 8000, format)
        const whole = downmixToMono(decodeWav(bytes, 'x.wav'))
        expectSameSamples(await rangeOf(bytes, 1234, 1500), whole.subarray(1234, 2734))
      }
    }
  })

  it('finds the frames of files a crashed writer left (size 0 or overrunning) like decodeWav', async () => {
    const samples = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) / 2)
    const body = encodeWav([samples], 4000, 'float32').subarray(44)
    const unfinalised = new Uint8Array(44 + body.length + 3) // plus a torn last frame
    unfinalised.set(encodeWavHeader({ sampleRateHz: 4000, channels: 1, format: 'float32', dataBytes: 0 }))
    unfinalised.set(body, 44)
    const overrun = unfinalised.slice()
    overrun.set(encodeWavHeader({ sampleRateHz: 4000, channels: 1, format: 'float32', dataBytes: 1_000_000 }))
    for (const bytes of [unfinalised, overrun]) {
      const layout = await readWavLayout(readerOf(bytes), bytes.length, 'torn.wav')
      expect(layout.frames).toBe(decodeWav(bytes, 'torn.wav').frames)
      expect(layout.frames).toBe(1000)
      expect(layout.warnings.length).toBeGreaterThan(0)
      expectSameSamples(await rangeOf(bytes, 990, 10), downmixToMono(decodeWav(bytes, 'torn.wav')).subarray(990))
    }
  })

  it('refuses what decodeWav refuses, with the same message', async () => {
    const good = encodeWav([new Float32Array(10)], 4000, 'pcm16')
    const cases: Uint8Array[] = [
      good.subarray(0, 8),
      new TextEncoder().encode('RIFX0000WAVEfmt '),
      new TextEncoder().encode('OggS0000WAVEfmt '),
    ]
    const noData = good.slice(0, 36)
    cases.push(noData)
    for (const bytes of cases) {
      let expected = ''
      try {
        decodeWav(bytes, 'bad.wav')
      } catch (error) {
        expected = (error as Error).message
      }
      expect(expected).not.toBe('')
      await expect(readWavLayout(readerOf(bytes), bytes.length, 'bad.wav')).rejects.toThrow(new WavFormatError(expected))
    }
  })
})
