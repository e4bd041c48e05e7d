import { InvalidArgumentError } from '../errors'
import { fftInPlace, nextPowerOfTwo } from './fft'

/**
 * Normalised *biased* autocorrelation r[k] = Σ_n x[n]·x[n+k] / Σ_n x[n]², k = 0..maxLag
 * (so r[0] = 1, |r[k]| ≤ 1, and long lags taper because fewer products are summed — the
 * usual choice for periodicity estimates, since it does not blow up noise at long lags).
 * The mean is NOT removed: pass a zero-mean signal (pcgEnvelope's output is). An all-zero
 * signal gives all zeros. Computed by FFT in O(n log n); maxLag is clipped to n − 1.
 */
export function autocorrelation(x: Float32Array, maxLag: number): Float32Array {
  if (!Number.isInteger(maxLag) || maxLag < 0) throw new InvalidArgumentError(`maxLag: must be a non-negative integer, got ${maxLag}`)
  const out = new Float32Array(maxLag + 1)
  const n = x.length
  if (n === 0) return out
  const lags = Math.min(maxLag, n - 1)
  // Zero padding to ≥ n + lags keeps the circular correlation from wrapping into the lags we keep.
  const size = nextPowerOfTwo(n + lags + 1)
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  for (let i = 0; i < n; i++) re[i] = x[i]!
  fftInPlace(re, im)
  for (let k = 0; k < size; k++) {
    re[k] = re[k]! * re[k]! + im[k]! * im[k]!
    im[k] = 0
  }
  fftInPlace(re, im, true)
  const energy = re[0]!
  if (!(energy > 0)) return out
  for (let k = 0; k <= lags; k++) out[k] = re[k]! / energy
  return out
}

/** Unbiased variant: each lag divided by its number of products (n − k), then by lag 0. */
export function autocorrelationUnbiased(x: Float32Array, maxLag: number): Float32Array {
  const biased = autocorrelation(x, maxLag)
  const n = x.length
  for (let k = 1; k < biased.length && k < n; k++) biased[k] = (biased[k]! * n) / (n - k)
  return biased
}
