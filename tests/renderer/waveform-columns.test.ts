/**
 * The session waveform's columns: drawn from overview buckets they are exactly the min/max of the
 * samples under each column when columns and buckets line up, and never narrower than the samples
 * otherwise (a peak is never lost); from samples, each column is the min/max of its frames. Ticks
 * stand far enough apart at every zoom and read as times.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PeakAccumulator } from '../../src/core/sessions/peak-overview'
import { readWavMono } from '../../src/main/io/wav-file'
import { columnsFromPeaks, columnsFromSamples, formatTick, tickStepS } from '../../src/renderer/src/lib/waveform-columns'

const { samples } = readWavMono(join(__dirname, '../../samples/68303_AV.wav'))

describe('waveform columns', () => {
  const accumulator = new PeakAccumulator()
  accumulator.push(samples, true)
  const overview = accumulator.finish(4000)

  it('from buckets aligned with the columns equal the min/max of the samples under them', () => {
    const level = overview.levels[1]! // 512 frames per bucket
    const width = 100
    const end = width * 512 * 2 // two buckets per column
    const fromPeaks = columnsFromPeaks(level.minMax, 0, 512, 0, end, width)
    const fromSamples = columnsFromSamples(samples, 0, 0, end, width)
    expect(fromPeaks).toEqual(fromSamples)
  })

  it('from buckets never hide a peak of the samples, wherever the columns fall', () => {
    const level = overview.levels[0]!
    for (const [start, end, width] of [
      [1000.3, 90_000.7, 333],
      [0, samples.length, 1920],
      [samples.length - 10_000, samples.length + 10_000, 50], // half of it past the end
    ] as const) {
      const fromPeaks = columnsFromPeaks(level.minMax, 0, 128, start, end, width)
      const fromSamples = columnsFromSamples(samples, 0, start, end, width)
      for (let c = 0; c < width; c++) {
        // Past the end there are no samples (the last bucket, partial, may reach a column further).
        if (Number.isNaN(fromSamples.mins[c]!)) continue
        expect(fromPeaks.mins[c]!).toBeLessThanOrEqual(fromSamples.mins[c]!)
        expect(fromPeaks.maxs[c]!).toBeGreaterThanOrEqual(fromSamples.maxs[c]!)
      }
    }
  })

  it('take a slice of buckets at its own offset, and leave columns past the recording empty', () => {
    const level = overview.levels[0]!
    const slice = level.minMax.subarray(2 * 100, 2 * 200) // buckets 100 … 199
    const columns = columnsFromPeaks(slice, 100, 128, 100 * 128, 200 * 128, 100)
    expect(columns).toEqual(columnsFromPeaks(level.minMax, 0, 128, 100 * 128, 200 * 128, 100))
    const past = columnsFromSamples(samples.subarray(0, 1000), 0, 0, 2000, 10)
    expect(Number.isNaN(past.mins[9]!)).toBe(true)
    expect(Number.isNaN(past.mins[4]!)).toBe(false)
    const pastPeaks = columnsFromPeaks(level.minMax.subarray(0, 2 * 8), 0, 128, 0, 2048, 16) // 8 buckets drawn over 16
    expect(Number.isNaN(pastPeaks.mins[15]!)).toBe(true)
    expect(Number.isNaN(pastPeaks.mins[7]!)).toBe(false)
  })

  it('zoomed in under a frame per column, each column is the sample at its left edge', () => {
    const columns = columnsFromSamples(samples.subarray(100, 110), 100, 100, 105, 20)
    expect(columns.mins[0]).toBe(samples[100])
    expect(columns.maxs[4]).toBe(samples[101])
  })

  it('puts ticks at least the asked distance apart at every zoom, labelled as times', () => {
    for (const [durationS, widthPx] of [
      [0.1, 1000],
      [5, 700],
      [60, 1500],
      [3 * 3600, 1000],
    ] as const) {
      const step = tickStepS(durationS, widthPx, 70)
      expect((step / durationS) * widthPx).toBeGreaterThanOrEqual(70)
    }
    expect(tickStepS(5, 700, 70)).toBe(0.5)
    expect(formatTick(7.5, 0.5)).toBe('0:07.5')
    expect(formatTick(3725, 300)).toBe('1:02:05')
    expect(formatTick(0.25, 0.05)).toBe('0:00.25')
  })
})
