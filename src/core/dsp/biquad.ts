import { InvalidArgumentError } from '../errors'

/**
 * One second-order section, a0 normalised to 1:
 * H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²). A first-order section has b2 = a2 = 0.
 */
export interface BiquadSection {
  readonly b0: number
  readonly b1: number
  readonly b2: number
  readonly a1: number
  readonly a2: number
}

export type SosSections = readonly BiquadSection[]

/**
 * A cascade of biquads in transposed direct form II with float64 state. Stateful across
 * `process` calls, so feeding a signal in chunks gives exactly the one-shot output.
 */
export class BiquadCascade {
  readonly sections: SosSections
  private readonly state: Float64Array

  constructor(sections: SosSections) {
    this.sections = sections.map((s) => ({ ...s }))
    this.state = new Float64Array(2 * sections.length)
  }

  process(x: Float32Array): Float32Array {
    const y = new Float32Array(x.length)
    for (let i = 0; i < x.length; i++) y[i] = x[i]!
    this.processInPlace(y)
    return y
  }

  /** Filter `buffer` in place (saves an allocation on the live audio path). */
  processInPlace(buffer: Float32Array | Float64Array): void {
    const state = this.state
    for (let s = 0; s < this.sections.length; s++) {
      const { b0, b1, b2, a1, a2 } = this.sections[s]!
      let z1 = state[2 * s]!
      let z2 = state[2 * s + 1]!
      for (let i = 0; i < buffer.length; i++) {
        const input = buffer[i]!
        const output = b0 * input + z1
        z1 = b1 * input - a1 * output + z2
        z2 = b2 * input - a2 * output
        buffer[i] = output
      }
      state[2 * s] = z1
      state[2 * s + 1] = z2
    }
  }

  reset(): void {
    this.state.fill(0)
  }

  /** Set the state to the steady state for a constant input `value` (avoids a start-up step). */
  settle(value: number): void {
    let input = value
    this.sections.forEach((section, s) => {
      const [z1, z2, output] = steadyState(section, input)
      this.state[2 * s] = z1
      this.state[2 * s + 1] = z2
      input = output
    })
  }
}

/** DF2T state (z1, z2) and output of one section held at constant input `x`. */
function steadyState({ b0, b1, b2, a1, a2 }: BiquadSection, x: number): [number, number, number] {
  const denominator = 1 + a1 + a2
  // A pole at z = 1 has no steady state; leave it at rest.
  if (Math.abs(denominator) < 1e-12) return [0, 0, 0]
  const y = (x * (b0 + b1 + b2)) / denominator
  const z2 = b2 * x - a2 * y
  const z1 = b1 * x - a1 * y + z2
  return [z1, z2, y]
}

/**
 * Zero-phase filtering: forward, then backward (magnitude response squared, no delay). Like
 * scipy's sosfiltfilt: odd extension of the ends and steady-state initial conditions, so the
 * edges do not ring.
 */
export function filtfilt(sections: SosSections, x: Float32Array | Float64Array): Float32Array {
  return new Float32Array(filtfiltDecimate(sections, x, 1))
}

/**
 * `filtfilt`, then every `factor`-th sample (0, factor, 2·factor, …) in float64. Nothing more
 * guards against aliasing: the caller's filter must already suppress what lies above the new
 * Nyquist. Both passes still run at the input rate (an IIR needs every sample); only the copy out
 * is shorter. `edgePad`: samples of odd extension at each end (scipy's default; clipped to n − 1).
 */
export function filtfiltDecimate(
  sections: SosSections,
  x: Float32Array | Float64Array,
  factor: number,
  edgePad = 3 * (2 * sections.length + 1),
): Float64Array {
  if (!Number.isInteger(factor) || factor < 1) throw new InvalidArgumentError(`factor: must be a positive integer, got ${factor}`)
  if (!Number.isInteger(edgePad) || edgePad < 0) throw new InvalidArgumentError(`edgePad: must be a non-negative integer, got ${edgePad}`)
  const n = x.length
  if (n === 0) return new Float64Array(0)
  const padLength = Math.min(n - 1, edgePad)
  const extended = scratch(n + 2 * padLength)
  const first = x[0]!
  const last = x[n - 1]!
  for (let i = 0; i < padLength; i++) {
    extended[i] = 2 * first - x[padLength - i]!
    extended[padLength + n + i] = 2 * last - x[n - 2 - i]!
  }
  extended.set(x, padLength)
  cascadeSettled(sections, extended, false)
  cascadeSettled(sections, extended, true)
  const out = new Float64Array(Math.ceil(n / factor))
  for (let j = 0, i = padLength; j < out.length; j++, i += factor) out[j] = extended[i]!
  return out
}

/** Longest scratch buffer kept between calls (2 MiB: 65 s at 4 kHz); longer ones are per call. */
const MAX_KEPT_SCRATCH = 1 << 18
let kept = new Float64Array(0)

/**
 * A float64 work buffer of `length` (contents undefined). Reused across calls because allocating
 * a zero-filled 160-kB array costs about as much as filtering it; JS runs this synchronously, so
 * no two calls share it at once (each worker thread has its own module instance).
 */
function scratch(length: number): Float64Array {
  if (kept.length >= length) return kept.subarray(0, length)
  const buffer = new Float64Array(length)
  if (length <= MAX_KEPT_SCRATCH) kept = buffer
  return buffer
}

const PASS_THROUGH: BiquadSection = { b0: 1, b1: 0, b2: 0, a1: 0, a2: 0 }

/**
 * Run the cascade over `buffer` in place, forward or backward, each section starting in the
 * steady state of the (cascaded) first input. Sections go two at a time in one loop: each
 * section's recursion is a chain of dependent multiply-adds, and interleaving two independent
 * chains lets the CPU overlap them (about 1.5× faster than one section per pass).
 */
function cascadeSettled(sections: SosSections, buffer: Float64Array, backward: boolean): void {
  const n = buffer.length
  let input = backward ? buffer[n - 1]! : buffer[0]!
  for (let s = 0; s < sections.length; s += 2) {
    const p = sections[s]!
    const [pz1, pz2, pOut] = steadyState(p, input)
    // An odd last section pairs with a pass-through (its output is its input, to the bit).
    const q = sections[s + 1] ?? PASS_THROUGH
    const [qz1, qz2, qOut] = steadyState(q, pOut)
    runSectionPair(p, pz1, pz2, q, qz1, qz2, buffer, backward)
    input = qOut
  }
}

function runSectionPair(
  p: BiquadSection,
  pz1: number,
  pz2: number,
  q: BiquadSection,
  qz1: number,
  qz2: number,
  buffer: Float64Array,
  backward: boolean,
): void {
  const { b0, b1, b2, a1, a2 } = p
  const c0 = q.b0
  const c1 = q.b1
  const c2 = q.b2
  const d1 = q.a1
  const d2 = q.a2
  let z1 = pz1
  let z2 = pz2
  let w1 = qz1
  let w2 = qz2
  const n = buffer.length
  const step = backward ? -1 : 1
  for (let k = 0, i = backward ? n - 1 : 0; k < n; k++, i += step) {
    const v = buffer[i]!
    const y = b0 * v + z1
    // (b1·v + z2) first: the feedback product joins last, shortening the loop-carried chain.
    z1 = b1 * v + z2 - a1 * y
    z2 = b2 * v - a2 * y
    const u = c0 * y + w1
    w1 = c1 * y + w2 - d1 * u
    w2 = c2 * y - d2 * u
    buffer[i] = u
  }
}

/** |H(e^{jω})| of the cascade at `freqHz` (linear gain). */
export function magnitudeResponse(sections: SosSections, freqHz: number, sampleRateHz: number): number {
  if (!(sampleRateHz > 0)) throw new InvalidArgumentError(`sampleRateHz: must be positive, got ${sampleRateHz}`)
  const w = (2 * Math.PI * freqHz) / sampleRateHz
  const c1 = Math.cos(w)
  const s1 = Math.sin(w)
  const c2 = Math.cos(2 * w)
  const s2 = Math.sin(2 * w)
  let gain = 1
  for (const { b0, b1, b2, a1, a2 } of sections) {
    const numRe = b0 + b1 * c1 + b2 * c2
    const numIm = -(b1 * s1 + b2 * s2)
    const denRe = 1 + a1 * c1 + a2 * c2
    const denIm = -(a1 * s1 + a2 * s2)
    gain *= Math.hypot(numRe, numIm) / Math.hypot(denRe, denIm)
  }
  return gain
}

/** The same in decibels (20·log10). */
export function magnitudeResponseDb(sections: SosSections, freqHz: number, sampleRateHz: number): number {
  return 20 * Math.log10(magnitudeResponse(sections, freqHz, sampleRateHz))
}
