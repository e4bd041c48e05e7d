import { fftInPlace, nextPowerOfTwo } from './fft'

/**
 * Magnitude of the analytic signal |x + i·H{x}| (the Hilbert envelope), by FFT: zero the
 * negative frequencies, double the positive ones. Zero-padded to a power of two, which only
 * perturbs the last few samples.
 */
export function analyticAmplitude(x: Float32Array): Float32Array {
  const n = x.length
  const out = new Float32Array(n)
  if (n === 0) return out
  const size = nextPowerOfTwo(n)
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  for (let i = 0; i < n; i++) re[i] = x[i]!
  fftInPlace(re, im)
  const half = size / 2
  for (let k = 1; k < half; k++) {
    re[k] = re[k]! * 2
    im[k] = im[k]! * 2
  }
  for (let k = half + 1; k < size; k++) {
    re[k] = 0
    im[k] = 0
  }
  fftInPlace(re, im, true)
  for (let i = 0; i < n; i++) out[i] = Math.hypot(re[i]!, im[i]!)
  return out
}
