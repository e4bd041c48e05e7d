import { InvalidArgumentError } from '../errors'

/** Smallest power of two ≥ n (1 for n ≤ 1). */
export function nextPowerOfTwo(n: number): number {
  let size = 1
  while (size < n) size *= 2
  return size
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0
}

/** Twiddle tables are the expensive part of small FFTs; keep one per size. */
const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>()

function twiddles(size: number): { cos: Float64Array; sin: Float64Array } {
  let table = twiddleCache.get(size)
  if (!table) {
    const half = size / 2
    table = { cos: new Float64Array(half), sin: new Float64Array(half) }
    for (let k = 0; k < half; k++) {
      table.cos[k] = Math.cos((2 * Math.PI * k) / size)
      table.sin[k] = Math.sin((2 * Math.PI * k) / size)
    }
    if (twiddleCache.size > 32) twiddleCache.clear()
    twiddleCache.set(size, table)
  }
  return table
}

/**
 * In-place iterative radix-2 FFT of the complex signal (re, im); length must be a power of two.
 * Forward: X[k] = Σ x[n] e^{-2πikn/N}. Inverse includes the 1/N factor, so ifft(fft(x)) = x.
 */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const size = re.length
  if (im.length !== size) throw new InvalidArgumentError(`im: length ${im.length} differs from re (${size})`)
  if (!isPowerOfTwo(size)) throw new InvalidArgumentError(`re: FFT length must be a power of two, got ${size}`)
  for (let i = 1, j = 0; i < size; i++) {
    let bit = size >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      let t = re[i]!
      re[i] = re[j]!
      re[j] = t
      t = im[i]!
      im[i] = im[j]!
      im[j] = t
    }
  }
  const { cos, sin } = twiddles(size)
  const sign = inverse ? 1 : -1
  for (let len = 2; len <= size; len *= 2) {
    const half = len / 2
    const step = size / len
    for (let start = 0; start < size; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!
        const wi = sign * sin[k * step]!
        const a = start + k
        const b = a + half
        const xr = re[b]! * wr - im[b]! * wi
        const xi = re[b]! * wi + im[b]! * wr
        re[b] = re[a]! - xr
        im[b] = im[a]! - xi
        re[a] = re[a]! + xr
        im[a] = im[a]! + xi
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < size; i++) {
      re[i] = re[i]! / size
      im[i] = im[i]! / size
    }
  }
}

/** Forward FFT of a real signal zero-padded to `size` (a power of two ≥ x.length). */
export function realFft(x: ArrayLike<number>, size = nextPowerOfTwo(x.length)): { re: Float64Array; im: Float64Array } {
  if (size < x.length) throw new InvalidArgumentError(`size: ${size} is shorter than the signal (${x.length})`)
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  for (let i = 0; i < x.length; i++) re[i] = x[i]!
  fftInPlace(re, im)
  return { re, im }
}

/**
 * Spectrum bins 0..size/2 of a real signal zero-padded to `size` (a power of two ≥ 2), written
 * into `re`/`im` (length ≥ size/2 + 1). Half the work of a complex FFT: the even and odd samples
 * travel as the real and imaginary parts of one size/2-point transform, then are pulled apart
 * (X[k] = E[k] + e^{−2πik/size}·O[k]).
 */
export function realFftHalf(x: ArrayLike<number>, size: number, re: Float64Array, im: Float64Array): void {
  if (!isPowerOfTwo(size) || size < 2) throw new InvalidArgumentError(`size: must be a power of two ≥ 2, got ${size}`)
  if (size < x.length) throw new InvalidArgumentError(`size: ${size} is shorter than the signal (${x.length})`)
  const half = size / 2
  if (re.length < half + 1 || im.length < half + 1) throw new InvalidArgumentError(`re/im: need ${half + 1} bins, got ${Math.min(re.length, im.length)}`)
  const zr = re.length === half ? re : re.subarray(0, half)
  const zi = im.length === half ? im : im.subarray(0, half)
  const n = x.length
  for (let j = 0; j < half; j++) {
    const even = 2 * j
    zr[j] = even < n ? x[even]! : 0
    zi[j] = even + 1 < n ? x[even + 1]! : 0
  }
  fftInPlace(zr, zi)
  const { cos, sin } = twiddles(size)
  // Bins k and half − k come from the same pair of Z values: do both at once, in place.
  const dcRe = zr[0]!
  const dcIm = zi[0]!
  re[0] = dcRe + dcIm
  im[0] = 0
  re[half] = dcRe - dcIm
  im[half] = 0
  for (let k = 1; k <= half / 2; k++) {
    const m = half - k
    const ar = zr[k]!
    const ai = zi[k]!
    const br = zr[m]!
    const bi = zi[m]!
    // E[k] = (Z[k] + conj Z[m]) / 2, O[k] = (Z[k] − conj Z[m]) / 2i; the same for k ↔ m.
    const er = 0.5 * (ar + br)
    const ei = 0.5 * (ai - bi)
    const or = 0.5 * (ai + bi)
    const oi = -0.5 * (ar - br)
    // W^k = cos − i·sin; W^m = −conj(W^k), and E[m] = conj E[k], O[m] = −conj O[k]... spelled out:
    const wr = cos[k]!
    const wi = -sin[k]!
    const tr = wr * or - wi * oi
    const ti = wr * oi + wi * or
    re[k] = er + tr
    im[k] = ei + ti
    re[m] = er - tr
    im[m] = -(ei - ti)
  }
}

/**
 * Inverse of `realFftHalf`: the real signal of length `size` whose spectrum has bins 0..size/2
 * given in `re`/`im` (the rest implied by Hermitian symmetry; the imaginary parts of bins 0 and
 * size/2 are ignored). Writes into `out` (length ≥ size); `re`/`im` are overwritten.
 */
export function inverseRealFftHalf(re: Float64Array, im: Float64Array, size: number, out: Float64Array): void {
  if (!isPowerOfTwo(size) || size < 2) throw new InvalidArgumentError(`size: must be a power of two ≥ 2, got ${size}`)
  const half = size / 2
  if (re.length < half + 1 || im.length < half + 1) throw new InvalidArgumentError(`re/im: need ${half + 1} bins, got ${Math.min(re.length, im.length)}`)
  if (out.length < size) throw new InvalidArgumentError(`out: need ${size} samples, got ${out.length}`)
  const { cos, sin } = twiddles(size)
  // Z[k] = E[k] + i·O[k] with E[k] = (X[k] + conj X[half−k]) / 2 and
  // O[k] = (X[k] − conj X[half−k]) · W^{−k} / 2; bins k and half − k again together.
  const x0 = re[0]!
  const xh = re[half]!
  re[0] = 0.5 * (x0 + xh)
  im[0] = 0.5 * (x0 - xh)
  for (let k = 1; k <= half / 2; k++) {
    const m = half - k
    const ar = re[k]!
    const ai = im[k]!
    const br = re[m]!
    const bi = im[m]!
    const er = 0.5 * (ar + br)
    const ei = 0.5 * (ai - bi)
    const dr = 0.5 * (ar - br)
    const di = 0.5 * (ai + bi)
    // W^{−k} = cos + i·sin
    const wr = cos[k]!
    const wi = sin[k]!
    const or = dr * wr - di * wi
    const oi = dr * wi + di * wr
    // Z[k] = E + i·O
    re[k] = er - oi
    im[k] = ei + or
    // Bin m: E[m] = conj E[k], O[m] = −conj O[k]·… written out from the same definitions.
    re[m] = er + oi
    im[m] = -ei + or
  }
  const zr = re.subarray(0, half)
  const zi = im.subarray(0, half)
  fftInPlace(zr, zi, true)
  for (let j = 0; j < half; j++) {
    out[2 * j] = zr[j]!
    out[2 * j + 1] = zi[j]!
  }
}
