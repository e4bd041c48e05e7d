import { InvalidArgumentError } from '../errors'
import type { BiquadSection, SosSections } from './biquad'

/**
 * Butterworth filters as second-order sections: analog prototype poles, frequency
 * transformation, bilinear transform with prewarped edges (so the -3 dB points land exactly
 * on the requested frequencies). `order` is the prototype order, as in scipy's `butter`: a
 * low/high-pass of order N has ⌈N/2⌉ sections, a band-pass of order N has N sections (2N poles).
 */

interface Complex {
  re: number
  im: number
}

const add = (a: Complex, b: Complex): Complex => ({ re: a.re + b.re, im: a.im + b.im })
const sub = (a: Complex, b: Complex): Complex => ({ re: a.re - b.re, im: a.im - b.im })
const mul = (a: Complex, b: Complex): Complex => ({ re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re })
const scale = (a: Complex, k: number): Complex => ({ re: a.re * k, im: a.im * k })
function div(a: Complex, b: Complex): Complex {
  const d = b.re * b.re + b.im * b.im
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d }
}
function sqrt(a: Complex): Complex {
  const r = Math.hypot(a.re, a.im)
  const re = Math.sqrt((r + a.re) / 2)
  const im = Math.sqrt(Math.max(0, (r - a.re) / 2))
  return { re, im: a.im < 0 ? -im : im }
}

/** Upper-half-plane poles of the order-N analog prototype (cutoff 1 rad/s), plus the real one for odd N. */
function prototypePoles(order: number): { complex: Complex[]; real: boolean } {
  const complex: Complex[] = []
  for (let k = 0; k < Math.floor(order / 2); k++) {
    const theta = (Math.PI * (2 * k + 1 + order)) / (2 * order)
    complex.push({ re: Math.cos(theta), im: Math.abs(Math.sin(theta)) })
  }
  return { complex, real: order % 2 === 1 }
}

/** Bilinear transform of an analog pole: z = (2fs + s) / (2fs − s). */
function bilinear(s: Complex, sampleRateHz: number): Complex {
  const k = 2 * sampleRateHz
  return div({ re: k + s.re, im: s.im }, { re: k - s.re, im: -s.im })
}

/** Analog frequency (rad/s) that the bilinear transform maps onto `freqHz`. */
function prewarp(freqHz: number, sampleRateHz: number): number {
  return 2 * sampleRateHz * Math.tan((Math.PI * freqHz) / sampleRateHz)
}

/** Denominator of a section from a digital pole pair (p, conj p) or two real poles. */
function denominator(p1: Complex, p2?: Complex): { a1: number; a2: number } {
  if (!p2) return { a1: -2 * p1.re, a2: p1.re * p1.re + p1.im * p1.im }
  return { a1: -(p1.re + p2.re), a2: p1.re * p2.re }
}

/** Scale a section's numerator so its gain at `freqHz` is 1. */
function normalised(section: BiquadSection, freqHz: number, sampleRateHz: number): BiquadSection {
  const w = (2 * Math.PI * freqHz) / sampleRateHz
  const z1: Complex = { re: Math.cos(w), im: -Math.sin(w) }
  const z2 = mul(z1, z1)
  const num = add(add({ re: section.b0, im: 0 }, scale(z1, section.b1)), scale(z2, section.b2))
  const den = add(add({ re: 1, im: 0 }, scale(z1, section.a1)), scale(z2, section.a2))
  const gain = Math.hypot(den.re, den.im) / Math.hypot(num.re, num.im)
  return { ...section, b0: section.b0 * gain, b1: section.b1 * gain, b2: section.b2 * gain }
}

function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 1 || order > 20) {
    throw new InvalidArgumentError(`order: must be an integer in 1..20, got ${order}`)
  }
}

function checkEdge(name: string, freqHz: number, sampleRateHz: number): void {
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz)) {
    throw new InvalidArgumentError(`sampleRateHz: must be positive and finite, got ${sampleRateHz}`)
  }
  if (!(freqHz > 0 && freqHz < sampleRateHz / 2)) {
    throw new InvalidArgumentError(`${name}: must lie strictly between 0 and Nyquist (${sampleRateHz / 2} Hz), got ${freqHz}`)
  }
}

function lowOrHighPass(kind: 'lowpass' | 'highpass', order: number, cutoffHz: number, sampleRateHz: number): BiquadSection[] {
  checkOrder(order)
  checkEdge('cutoffHz', cutoffHz, sampleRateHz)
  const wc = prewarp(cutoffHz, sampleRateHz)
  // Low-pass zeros sit at z = −1 (s = ∞); high-pass zeros at z = +1 (s = 0).
  const sign = kind === 'lowpass' ? 1 : -1
  const unityAtHz = kind === 'lowpass' ? 0 : sampleRateHz / 2
  const analog = (p: Complex): Complex => (kind === 'lowpass' ? scale(p, wc) : div({ re: wc, im: 0 }, p))
  const { complex, real } = prototypePoles(order)
  const sections: BiquadSection[] = complex.map((p) => {
    const { a1, a2 } = denominator(bilinear(analog(p), sampleRateHz))
    return normalised({ b0: 1, b1: 2 * sign, b2: 1, a1, a2 }, unityAtHz, sampleRateHz)
  })
  if (real) {
    const z = bilinear(analog({ re: -1, im: 0 }), sampleRateHz)
    sections.push(normalised({ b0: 1, b1: sign, b2: 0, a1: -z.re, a2: 0 }, unityAtHz, sampleRateHz))
  }
  return sections
}

export function butterworthLowpass(order: number, cutoffHz: number, sampleRateHz: number): SosSections {
  return lowOrHighPass('lowpass', order, cutoffHz, sampleRateHz)
}

export function butterworthHighpass(order: number, cutoffHz: number, sampleRateHz: number): SosSections {
  return lowOrHighPass('highpass', order, cutoffHz, sampleRateHz)
}

/** Band-pass with -3 dB points at lowHz and highHz; unity gain at the (digital) centre. */
export function butterworthBandpass(order: number, lowHz: number, highHz: number, sampleRateHz: number): SosSections {
  checkOrder(order)
  checkEdge('lowHz', lowHz, sampleRateHz)
  checkEdge('highHz', highHz, sampleRateHz)
  if (!(lowHz < highHz)) throw new InvalidArgumentError(`lowHz: ${lowHz} must be below highHz (${highHz})`)
  const w1 = prewarp(lowHz, sampleRateHz)
  const w2 = prewarp(highHz, sampleRateHz)
  const bandwidth = w2 - w1
  const centreSquared = w1 * w2
  // Each prototype pole p becomes the two roots of s² − p·B·s + W0² = 0.
  const split = (p: Complex): [Complex, Complex] => {
    const pb = scale(p, bandwidth)
    const root = sqrt(sub(mul(pb, pb), { re: 4 * centreSquared, im: 0 }))
    return [scale(add(pb, root), 0.5), scale(sub(pb, root), 0.5)]
  }
  const centreHz = (sampleRateHz / Math.PI) * Math.atan(Math.sqrt(centreSquared) / (2 * sampleRateHz))
  const section = (p1: Complex, p2?: Complex): BiquadSection =>
    normalised({ b0: 1, b1: 0, b2: -1, ...denominator(p1, p2) }, centreHz, sampleRateHz)

  const { complex, real } = prototypePoles(order)
  const sections: BiquadSection[] = []
  for (const p of complex) {
    // The conjugate prototype pole gives the conjugates of these two, so each makes a section.
    for (const s of split(p)) sections.push(section(bilinear(s, sampleRateHz)))
  }
  if (real) {
    const [s1, s2] = split({ re: -1, im: 0 })
    const z1 = bilinear(s1, sampleRateHz)
    const z2 = bilinear(s2, sampleRateHz)
    // Complex pair when the band is narrower than twice its centre, else two real poles.
    sections.push(Math.abs(z1.im) > 1e-12 ? section(z1) : section({ re: z1.re, im: 0 }, { re: z2.re, im: 0 }))
  }
  return sections
}
