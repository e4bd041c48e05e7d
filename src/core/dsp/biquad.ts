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
export function filtfilt(sections: SosSections, x: Float32Array): Float32Array {
  const n = x.length
  if (n === 0) return new Float32Array(0)
  const padLength = Math.min(n - 1, 3 * (2 * sections.length + 1))
  const extended = new Float64Array(n + 2 * padLength)
  const first = x[0]!
  const last = x[n - 1]!
  for (let i = 0; i < padLength; i++) {
    extended[i] = 2 * first - x[padLength - i]!
    extended[padLength + n + i] = 2 * last - x[n - 2 - i]!
  }
  for (let i = 0; i < n; i++) extended[padLength + i] = x[i]!

  const cascade = new BiquadCascade(sections)
  cascade.settle(extended[0]!)
  cascade.processInPlace(extended)
  extended.reverse()
  cascade.settle(extended[0]!)
  cascade.processInPlace(extended)
  extended.reverse()
  return Float32Array.from(extended.subarray(padLength, padLength + n))
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
