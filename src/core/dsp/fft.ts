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
