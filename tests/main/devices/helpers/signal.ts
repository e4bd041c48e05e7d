/** Alignment and correlation of a captured signal against its reference (tests only). */
import { fftInPlace, nextPowerOfTwo } from '../../../../src/core/dsp/fft'

/** Lag (in samples) at which `reference` best matches `captured` (captured[lag + n] ≈ reference[n]). */
export function bestLag(captured: Float32Array, reference: Float32Array): number {
  const size = nextPowerOfTwo(captured.length + reference.length)
  const aRe = new Float64Array(size)
  const aIm = new Float64Array(size)
  const bRe = new Float64Array(size)
  const bIm = new Float64Array(size)
  aRe.set(captured)
  bRe.set(reference)
  fftInPlace(aRe, aIm)
  fftInPlace(bRe, bIm)
  for (let k = 0; k < size; k++) {
    // A · conj(B)
    const re = aRe[k]! * bRe[k]! + aIm[k]! * bIm[k]!
    const im = aIm[k]! * bRe[k]! - aRe[k]! * bIm[k]!
    aRe[k] = re
    aIm[k] = im
  }
  fftInPlace(aRe, aIm, true)
  let best = 0
  for (let lag = 1; lag <= captured.length - 1; lag++) if (aRe[lag]! > aRe[best]!) best = lag
  return best
}

export function pearson(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length)
  let ma = 0
  let mb = 0
  for (let i = 0; i < n; i++) {
    ma += a[i]!
    mb += b[i]!
  }
  ma /= n
  mb /= n
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma
    const db = b[i]! - mb
    sab += da * db
    saa += da * da
    sbb += db * db
  }
  return sab / Math.sqrt(saa * sbb)
}

export function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
