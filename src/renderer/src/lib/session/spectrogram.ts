/**
 * A spectrogram of a stretch of a recording for the library's spectrogram lane: Hann-windowed
 * short-time spectra (power, dB) at one frame per pixel column, 0 to `maxHz` (heart sounds and
 * murmurs sit below ~800 Hz). Pure; the lane draws it.
 */
import { realFftHalf } from '../../../../core/dsp/fft'

export interface Spectrogram {
  columns: number
  bins: number
  /** Hz per bin. */
  binHz: number
  /** dB per [column * bins + bin]. */
  db: Float32Array
}

export function spectrogram(samples: Float32Array, sampleRateHz: number, columns: number, maxHz = 800): Spectrogram {
  // ~64 ms frames: S1 and S2 (~100 ms) resolve in time, murmurs in frequency (~16 Hz bins at 4 kHz).
  let size = 64
  while (size < sampleRateHz * 0.064) size *= 2
  const binHz = sampleRateHz / size
  const bins = Math.max(1, Math.min(size / 2, Math.floor(maxHz / binHz)))
  const db = new Float32Array(columns * bins)
  const window = new Float64Array(size)
  for (let i = 0; i < size; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (size - 1))
  const frame = new Float64Array(size)
  const re = new Float64Array(size / 2 + 1)
  const im = new Float64Array(size / 2 + 1)
  for (let c = 0; c < columns; c++) {
    const centre = Math.round(((c + 0.5) / columns) * samples.length)
    const first = centre - size / 2
    for (let i = 0; i < size; i++) {
      const j = first + i
      frame[i] = j >= 0 && j < samples.length ? (samples[j] as number) * (window[i] as number) : 0
    }
    realFftHalf(frame, size, re, im)
    for (let b = 0; b < bins; b++) {
      const p = (re[b] as number) ** 2 + (im[b] as number) ** 2
      db[c * bins + b] = 10 * Math.log10(p + 1e-12)
    }
  }
  return { columns, bins, binHz, db }
}
