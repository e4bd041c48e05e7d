import { inverseRealFftHalf, nextPowerOfTwo, realFftHalf } from './fft'

/** Work buffers kept between calls (an envelope per window per second would otherwise allocate them each time). */
let keptRe = new Float64Array(0)
let keptIm = new Float64Array(0)
let keptHilbert = new Float64Array(0)
/** Beyond this FFT size the buffers are allocated per call and not kept (4 MiB in all at this size). */
const MAX_KEPT_SIZE = 1 << 18

/**
 * Magnitude of the analytic signal |x + i·H{x}| (the Hilbert envelope), by FFT: zero the
 * negative frequencies, double the positive ones. Zero-padded to a power of two, which only
 * perturbs the last few samples.
 */
export function analyticAmplitude(x: Float32Array | Float64Array): Float32Array {
  const out = new Float32Array(x.length)
  analyticAmplitudeInto(x, out)
  return out
}

/**
 * The same into `out` (length ≥ x.length). The real part of the analytic signal is x itself, so
 * only H{x} is computed: one real-input FFT and one real-output inverse, each a half-size complex
 * transform (a quarter of the work of the textbook complex pair).
 */
export function analyticAmplitudeInto(x: Float32Array | Float64Array, out: Float32Array | Float64Array): void {
  const n = x.length
  if (n === 0) return
  const size = nextPowerOfTwo(n)
  if (size < 2) {
    out[0] = Math.abs(x[0]!)
    return
  }
  const half = size / 2
  if (keptRe.length < half + 1 || keptHilbert.length < size) {
    const re = new Float64Array(half + 1)
    const im = new Float64Array(half + 1)
    const hilbert = new Float64Array(size)
    if (size > MAX_KEPT_SIZE) return finish(x, out, re, im, hilbert, size)
    keptRe = re
    keptIm = im
    keptHilbert = hilbert
  }
  finish(x, out, keptRe, keptIm, keptHilbert, size)
}

function finish(
  x: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
  re: Float64Array,
  im: Float64Array,
  hilbert: Float64Array,
  size: number,
): void {
  const half = size / 2
  realFftHalf(x, size, re, im)
  // H{x} has spectrum −i·sign(k)·X[k]: 0 at DC and at Nyquist, −i·X[k] between.
  re[0] = 0
  im[0] = 0
  for (let k = 1; k < half; k++) {
    const r = re[k]!
    re[k] = im[k]!
    im[k] = -r
  }
  re[half] = 0
  im[half] = 0
  inverseRealFftHalf(re, im, size, hilbert)
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!
    const h = hilbert[i]!
    out[i] = Math.sqrt(v * v + h * h)
  }
}
