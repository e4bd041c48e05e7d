/** The strip chart's ring buffer, fed a real recording in the monitor's 100-ms chunks. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createListeningFilter } from '../../src/core/dsp/listening-filters'
import { readWavMono } from '../../src/main/io/wav-file'
import { PcgBuffer } from '../../src/renderer/src/lib/pcg-buffer'

const audio = readWavMono(join(__dirname, '../../samples/50238_MV.wav'))
const RATE = audio.sampleRateHz
/** 12 s through an 8-s buffer: the ring has wrapped. */
const FED = 12 * RATE

function feed(buffer: PcgBuffer, chunk: number): void {
  for (let i = 0; i < FED; i += chunk) buffer.append(Array.from(audio.samples.subarray(i, Math.min(i + chunk, FED))), RATE, i)
}

describe('PcgBuffer', () => {
  it('keeps the last 8 s, oldest first, filtered', () => {
    const buffer = new PcgBuffer(8, 'diaphragm')
    feed(buffer, 400)
    expect(buffer.length).toBe(8 * RATE)
    expect(buffer.lastSampleIndex).toBe(FED)
    // The filtered view equals filtering the whole stream at once: chunking changes nothing.
    const whole = createListeningFilter('diaphragm', RATE).process(audio.samples.subarray(0, FED))
    const kept = Array.from({ length: buffer.length }, (_, i) => buffer.at(i))
    const expected = Array.from(whole.subarray(FED - 8 * RATE))
    // float32 storage of the same float64 filter: equal to ~1e-6 of full scale.
    expect(Math.max(...kept.map((v, i) => Math.abs(v - (expected[i] as number))))).toBeLessThan(1e-6)
  })

  it('gives the same picture whatever the chunk size', () => {
    const a = new PcgBuffer(8, 'bell')
    const b = new PcgBuffer(8, 'bell')
    feed(a, 400)
    feed(b, 37)
    expect(Array.from({ length: a.length }, (_, i) => a.at(i))).toEqual(Array.from({ length: b.length }, (_, i) => b.at(i)))
  })

  it('starts over when the rate changes, and on clear()', () => {
    const buffer = new PcgBuffer(8, 'wide')
    feed(buffer, 400)
    buffer.append([0.5, -0.5], 8000, 0)
    expect(buffer.length).toBe(2)
    expect(buffer.sampleRateHz).toBe(8000)
    buffer.clear()
    expect(buffer.length).toBe(0)
  })
})
