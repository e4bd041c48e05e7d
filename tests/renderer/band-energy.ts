/** Spectral figures shared by the playback-filter unit test and the end-to-end test. */
import { realFft } from '../../src/core/dsp/fft'

/** Energy of `samples` between loHz (inclusive) and hiHz (exclusive), from one FFT of the whole signal. */
export function bandEnergy(samples: ArrayLike<number>, sampleRateHz: number, loHz: number, hiHz: number): number {
  const { re, im } = realFft(samples)
  const n = re.length
  let energy = 0
  for (let k = 0; k <= n / 2; k++) {
    const f = (k * sampleRateHz) / n
    if (f >= loHz && f < hiHz) energy += re[k]! ** 2 + im[k]! ** 2
  }
  return energy
}

/** Share of the signal's energy in [loHz, hiHz): independent of level and length (speed). */
export function bandShare(samples: ArrayLike<number>, sampleRateHz: number, loHz: number, hiHz: number): number {
  return bandEnergy(samples, sampleRateHz, loHz, hiHz) / bandEnergy(samples, sampleRateHz, 0, sampleRateHz)
}

export const toDb = (ratio: number): number => 10 * Math.log10(ratio)
