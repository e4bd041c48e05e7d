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

/**
 * Twiddles of every radix-2 stage, concatenated: the stage whose butterflies span `half` points
 * keeps cos/sin(πk/half), k < half, at [half + k]. That layout does not depend on the FFT size,
 * so one table (grown on demand) serves every size, and each stage reads it contiguously.
 */
let stageCos = new Float64Array(0)
let stageSin = new Float64Array(0)

function stageTwiddles(size: number): { cos: Float64Array; sin: Float64Array } {
  if (stageCos.length < size) {
    const cos = new Float64Array(size)
    const sin = new Float64Array(size)
    for (let half = 1; half < size; half *= 2) {
      for (let k = 0; k < half; k++) {
        cos[half + k] = Math.cos((Math.PI * k) / half)
        sin[half + k] = Math.sin((Math.PI * k) / half)
      }
    }
    stageCos = cos
    stageSin = sin
  }
  return { cos: stageCos, sin: stageSin }
}

/** Bit-reversal permutations, one per size (a handful of sizes in practice). */
const bitReversalCache = new Map<number, Uint32Array>()

function bitReversal(size: number): Uint32Array {
  let table = bitReversalCache.get(size)
  if (!table) {
    table = new Uint32Array(size)
    for (let i = 1, j = 0; i < size; i++) {
      let bit = size >> 1
      for (; j & bit; bit >>= 1) j ^= bit
      j ^= bit
      table[i] = j
    }
    if (bitReversalCache.size > 32) bitReversalCache.clear()
    bitReversalCache.set(size, table)
  }
  return table
}

/**
 * In-place iterative radix-2 FFT of the complex signal (re, im); length must be a power of two.
 * Forward: X[k] = Σ x[n] e^{-2πikn/N}. Inverse includes the 1/N factor, so ifft(fft(x)) = x.
 * Stages go two at a time (a radix-4 pass: four points in registers, half the sweeps over the
 * arrays), which is what makes it about twice as fast as one stage per sweep.
 */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const size = re.length
  if (im.length !== size) throw new InvalidArgumentError(`im: length ${im.length} differs from re (${size})`)
  if (!isPowerOfTwo(size)) throw new InvalidArgumentError(`re: FFT length must be a power of two, got ${size}`)
  const reversed = bitReversal(size)
  for (let i = 1; i < size; i++) {
    const j = reversed[i]!
    if (i < j) {
      let t = re[i]!
      re[i] = re[j]!
      re[j] = t
      t = im[i]!
      im[i] = im[j]!
      im[j] = t
    }
  }
  // Stage 1 (twiddle 1).
  for (let a = 0; a + 1 < size; a += 2) {
    const br = re[a + 1]!
    const bi = im[a + 1]!
    const ar = re[a]!
    const ai = im[a]!
    re[a + 1] = ar - br
    im[a + 1] = ai - bi
    re[a] = ar + br
    im[a] = ai + bi
  }
  const { cos, sin } = stageTwiddles(size)
  const sign = inverse ? 1 : -1
  let half = 2
  // Two stages per sweep: spans h (twiddle W_2h^k) then 2h (W_4h^k, and W_4h^(k+h) = W_4h^k·(sign·i)).
  for (; 2 * half < size; half *= 4) {
    const h = half
    for (let start = 0; start < size; start += 4 * h) {
      for (let k = 0; k < h; k++) {
        const w1r = cos[h + k]!
        const w1i = sign * sin[h + k]!
        const w2r = cos[2 * h + k]!
        const w2i = sign * sin[2 * h + k]!
        const i0 = start + k
        const i1 = i0 + h
        const i2 = i1 + h
        const i3 = i2 + h
        const x0r = re[i0]!
        const x0i = im[i0]!
        const x1r = re[i1]!
        const x1i = im[i1]!
        const x2r = re[i2]!
        const x2i = im[i2]!
        const x3r = re[i3]!
        const x3i = im[i3]!
        const tr = x1r * w1r - x1i * w1i
        const ti = x1r * w1i + x1i * w1r
        const ur = x3r * w1r - x3i * w1i
        const ui = x3r * w1i + x3i * w1r
        const a0r = x0r + tr
        const a0i = x0i + ti
        const a1r = x0r - tr
        const a1i = x0i - ti
        const a2r = x2r + ur
        const a2i = x2i + ui
        const a3r = x2r - ur
        const a3i = x2i - ui
        const vr = a2r * w2r - a2i * w2i
        const vi = a2r * w2i + a2i * w2r
        const w3r = -sign * w2i
        const w3i = sign * w2r
        const zr = a3r * w3r - a3i * w3i
        const zi = a3r * w3i + a3i * w3r
        re[i0] = a0r + vr
        im[i0] = a0i + vi
        re[i2] = a0r - vr
        im[i2] = a0i - vi
        re[i1] = a1r + zr
        im[i1] = a1i + zi
        re[i3] = a1r - zr
        im[i3] = a1i - zi
      }
    }
  }
  // An odd number of stages leaves one radix-2 sweep.
  if (half < size) {
    for (let start = 0; start < size; start += 2 * half) {
      for (let k = 0; k < half; k++) {
        const wr = cos[half + k]!
        const wi = sign * sin[half + k]!
        const a = start + k
        const b = a + half
        const br = re[b]!
        const bi = im[b]!
        const xr = br * wr - bi * wi
        const xi = br * wi + bi * wr
        const ar = re[a]!
        const ai = im[a]!
        re[b] = ar - xr
        im[b] = ai - xi
        re[a] = ar + xr
        im[a] = ai + xi
      }
    }
  }
  if (inverse) {
    const scale = 1 / size
    for (let i = 0; i < size; i++) {
      re[i] = re[i]! * scale
      im[i] = im[i]! * scale
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
 * The step between a real signal's spectrum X and the half-size complex transform Z of its
 * sample pairs, both ways, on bins k and m = half − k together (k = 1..half/2, in place):
 * with A = bin k, B = bin m, E = (A + conj B)/2, P = (A − conj B)/2 and Q = P·(−sin θ + sign·i·cos θ),
 * θ = 2πk/size, bin k becomes E + Q and bin m conj(E − Q). sign −1: Z → X (W^k·P/i);
 * sign +1: X → Z (i·P·W^{−k}).
 */
function splitBinPairs(re: Float64Array, im: Float64Array, half: number, cos: Float64Array, sin: Float64Array, sign: 1 | -1): void {
  for (let k = 1; k <= half / 2; k++) {
    const m = half - k
    const ar = re[k]!
    const ai = im[k]!
    const br = re[m]!
    const bi = im[m]!
    const er = 0.5 * (ar + br)
    const ei = 0.5 * (ai - bi)
    const pr = 0.5 * (ar - br)
    const pi = 0.5 * (ai + bi)
    const c = sign * cos[half + k]!
    const s = sin[half + k]!
    const qr = -s * pr - c * pi
    const qi = c * pr - s * pi
    re[k] = er + qr
    im[k] = ei + qi
    re[m] = er - qr
    im[m] = qi - ei
  }
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
  if (re.length < half + 1 || im.length < half + 1)
    throw new InvalidArgumentError(`re/im: need ${half + 1} bins, got ${Math.min(re.length, im.length)}`)
  const zr = re.length === half ? re : re.subarray(0, half)
  const zi = im.length === half ? im : im.subarray(0, half)
  const n = x.length
  for (let j = 0; j < half; j++) {
    const even = 2 * j
    zr[j] = even < n ? x[even]! : 0
    zi[j] = even + 1 < n ? x[even + 1]! : 0
  }
  fftInPlace(zr, zi)
  // cos/sin(2πk/size) = the stage table's entries for half = size/2.
  const { cos, sin } = stageTwiddles(size)
  // Bins k and half − k come from the same pair of Z values: do both at once, in place.
  const dcRe = zr[0]!
  const dcIm = zi[0]!
  re[0] = dcRe + dcIm
  im[0] = 0
  re[half] = dcRe - dcIm
  im[half] = 0
  // X[k] = E[k] + W^k·O[k] with O[k] = (Z[k] − conj Z[m]) / 2i: the rotation (−sin − i·cos).
  splitBinPairs(re, im, half, cos, sin, -1)
}

/**
 * Inverse of `realFftHalf`: the real signal of length `size` whose spectrum has bins 0..size/2
 * given in `re`/`im` (the rest implied by Hermitian symmetry; the imaginary parts of bins 0 and
 * size/2 are ignored). Writes into `out` (length ≥ size); `re`/`im` are overwritten.
 */
export function inverseRealFftHalf(re: Float64Array, im: Float64Array, size: number, out: Float64Array): void {
  if (!isPowerOfTwo(size) || size < 2) throw new InvalidArgumentError(`size: must be a power of two ≥ 2, got ${size}`)
  const half = size / 2
  if (re.length < half + 1 || im.length < half + 1)
    throw new InvalidArgumentError(`re/im: need ${half + 1} bins, got ${Math.min(re.length, im.length)}`)
  if (out.length < size) throw new InvalidArgumentError(`out: need ${size} samples, got ${out.length}`)
  const { cos, sin } = stageTwiddles(size)
  // Z[k] = E[k] + i·O[k] with E[k] = (X[k] + conj X[half−k]) / 2 and
  // O[k] = (X[k] − conj X[half−k]) · W^{−k} / 2; bins k and half − k again together.
  const x0 = re[0]!
  const xh = re[half]!
  re[0] = 0.5 * (x0 + xh)
  im[0] = 0.5 * (x0 - xh)
  // Z[k] = E[k] + i·(X[k] − conj X[m])·W^{−k} / 2: the rotation (−sin + i·cos).
  splitBinPairs(re, im, half, cos, sin, 1)
  const zr = re.subarray(0, half)
  const zi = im.subarray(0, half)
  fftInPlace(zr, zi, true)
  for (let j = 0; j < half; j++) {
    out[2 * j] = zr[j]!
    out[2 * j + 1] = zi[j]!
  }
}
