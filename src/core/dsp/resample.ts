import { InvalidArgumentError } from '../errors'

/**
 * Band-limited resampling between integer rates: a Kaiser-windowed sinc evaluated at the
 * rational phases of L/M = toRate/fromRate (a polyphase filter bank). The cut-off sits at
 * 0.9 × the lower Nyquist with the transition band 0.8–1.0 × Nyquist and ≥ 80 dB stop-band,
 * so everything above the new Nyquist is removed before it can alias, and tones below
 * 0.8 × Nyquist pass with < 0.01 dB ripple. Zero-phase: output sample n is the signal at time
 * n / toRateHz, with the input taken as zero outside its ends.
 */

/** Kaiser β for ~80 dB stop-band attenuation (Kaiser's formula: 0.1102·(A − 8.7)). */
const KAISER_BETA = 0.1102 * (80 - 8.7)
/** Cut-off (−6 dB) as a fraction of the lower Nyquist frequency. */
const CUTOFF_OF_NYQUIST = 0.9
/**
 * Window half-length in samples of the lower rate. Kaiser's estimate for 80 dB over a
 * transition of 0.2 × Nyquist is 25.1; one more for margin.
 */
const HALF_WIDTH_LOW_RATE_SAMPLES = 26
/** Above this many weights the bank is computed per output sample instead of tabulated (odd rate pairs). */
const MAX_TABLE_WEIGHTS = 1 << 22
const MAX_RATE_HZ = 10_000_000

function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const quarterSquare = (x * x) / 4
  for (let k = 1; k < 200; k++) {
    term *= quarterSquare / (k * k)
    sum += term
    if (term < sum * 1e-17) break
  }
  return sum
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

function checkRate(name: string, rateHz: number): void {
  if (!Number.isInteger(rateHz) || rateHz < 1 || rateHz > MAX_RATE_HZ) {
    throw new InvalidArgumentError(`${name}: must be an integer number of Hz in 1..${MAX_RATE_HZ}, got ${rateHz}`)
  }
}

/** The filter bank of one rate pair: weights for each of the L output phases. */
class PolyphaseKernel {
  /** Taps reach this many input samples to each side of the output time. */
  readonly reach: number
  readonly taps: number
  private readonly cutoffPerInputSample: number
  private readonly windowHalfWidth: number
  private readonly table: Float64Array | undefined
  private readonly scratch: Float64Array
  private readonly i0Beta = besselI0(KAISER_BETA)

  constructor(
    readonly up: number,
    readonly down: number,
  ) {
    const inputSamplesPerLowRateSample = Math.max(1, down / up)
    this.windowHalfWidth = HALF_WIDTH_LOW_RATE_SAMPLES * inputSamplesPerLowRateSample
    this.cutoffPerInputSample = (CUTOFF_OF_NYQUIST * 0.5) / inputSamplesPerLowRateSample
    this.reach = Math.ceil(this.windowHalfWidth)
    this.taps = 2 * this.reach
    this.scratch = new Float64Array(this.taps)
    if (up * this.taps <= MAX_TABLE_WEIGHTS) {
      this.table = new Float64Array(up * this.taps)
      for (let phase = 0; phase < up; phase++) this.computeWeights(phase, this.table.subarray(phase * this.taps, (phase + 1) * this.taps))
    }
  }

  /**
   * Weights of `phase` start at `weightsOffset(phase)` of the returned array; weight j applies
   * to input sample base − reach + 1 + j, where the output time is base + phase/up.
   * (No subarray per output sample: that allocation dominated the inner loop.)
   */
  weights(phase: number): Float64Array {
    if (this.table) return this.table
    this.computeWeights(phase, this.scratch)
    return this.scratch
  }

  weightsOffset(phase: number): number {
    return this.table ? phase * this.taps : 0
  }

  private computeWeights(phase: number, out: Float64Array): void {
    const frac = phase / this.up
    const fc = this.cutoffPerInputSample
    let sum = 0
    for (let j = 0; j < this.taps; j++) {
      const tau = this.reach - 1 - j + frac
      const u = tau / this.windowHalfWidth
      let w = 0
      if (Math.abs(u) < 1) {
        const x = 2 * fc * tau
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)
        w = 2 * fc * sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - u * u)) / this.i0Beta)
      }
      out[j] = w
      sum += w
    }
    // Unit DC gain for every phase, so a constant stays exactly constant.
    for (let j = 0; j < this.taps; j++) out[j] = out[j]! / sum
  }
}

/** One kernel per rate pair; building a bank costs more than resampling a short window. */
const kernelCache = new Map<string, PolyphaseKernel>()

function kernelFor(up: number, down: number): PolyphaseKernel {
  const key = `${up}/${down}`
  let kernel = kernelCache.get(key)
  if (!kernel) {
    kernel = new PolyphaseKernel(up, down)
    if (kernelCache.size >= 16) kernelCache.clear()
    kernelCache.set(key, kernel)
  }
  return kernel
}

/**
 * Streaming resampler. The concatenated outputs of `process` calls followed by `flush` equal
 * `resample` of the concatenated input, sample for sample, however the input is chunked.
 */
export class StreamingResampler {
  readonly fromRateHz: number
  readonly toRateHz: number
  /** Output samples per input sample is up/down (the reduced ratio). */
  readonly up: number
  readonly down: number
  /** Input samples the filter looks ahead of the output time. */
  readonly lookaheadInputSamples: number
  /**
   * Delay of the stream in output samples: after any `process` call, at most
   * latencySamples + 1 samples of the one-shot result are still held back (until more input or `flush`).
   */
  readonly latencySamples: number

  private readonly kernel: PolyphaseKernel
  private buffer = new Float32Array(0)
  /** Absolute input index of buffer[0] (negative at the start: the implicit zeros before the signal). */
  private bufferStart = 0
  private bufferLength = 0
  private received = 0
  private nextOutput = 0
  private nextBase = 0
  private nextPhase = 0

  constructor(fromRateHz: number, toRateHz: number) {
    checkRate('fromRateHz', fromRateHz)
    checkRate('toRateHz', toRateHz)
    this.fromRateHz = fromRateHz
    this.toRateHz = toRateHz
    const divisor = gcd(fromRateHz, toRateHz)
    this.up = toRateHz / divisor
    this.down = fromRateHz / divisor
    this.kernel = kernelFor(this.up, this.down)
    this.lookaheadInputSamples = this.kernel.reach
    this.latencySamples = this.up === this.down ? 0 : Math.ceil((this.kernel.reach * this.up) / this.down)
    this.reset()
  }

  /** Forget all input; the next sample is time 0 again. */
  reset(): void {
    const reach = this.kernel.reach
    this.buffer = new Float32Array(Math.max(1024, 4 * reach))
    this.bufferStart = -reach
    this.bufferLength = reach
    this.received = 0
    this.nextOutput = 0
    this.nextBase = 0
    this.nextPhase = 0
  }

  process(chunk: Float32Array): Float32Array {
    // Equal rates: a copy, not a low-pass (the band edge would otherwise cut the top 10 %).
    if (this.up === this.down) return Float32Array.from(chunk)
    this.append(chunk)
    this.received += chunk.length
    return this.emit(this.received)
  }

  /** Output the tail (input after the end taken as zero); the resampler is then reset. */
  flush(): Float32Array {
    if (this.up === this.down) return new Float32Array(0)
    const total = Math.ceil((this.received * this.up) / this.down)
    const outstanding = total - this.nextOutput
    let tail: Float32Array = new Float32Array(0)
    if (outstanding > 0) {
      this.append(new Float32Array(this.kernel.reach + 1))
      tail = this.emit(this.received, outstanding)
    }
    this.reset()
    return tail
  }

  private append(chunk: Float32Array): void {
    const needed = this.bufferLength + chunk.length
    if (needed > this.buffer.length) {
      const grown = new Float32Array(Math.max(needed, 2 * this.buffer.length))
      grown.set(this.buffer.subarray(0, this.bufferLength))
      this.buffer = grown
    }
    this.buffer.set(chunk, this.bufferLength)
    this.bufferLength += chunk.length
  }

  /** Compute outputs whose taps lie within the first `available` input samples (or `count` of them). */
  private emit(available: number, count?: number): Float32Array {
    const { up, down } = this
    const reach = this.kernel.reach
    const taps = this.kernel.taps
    const lastBase = available - 1 - reach
    let producible: number
    if (count !== undefined) producible = count
    else if (lastBase < this.nextBase) producible = 0
    else {
      // Outputs n with floor(n·down/up) ≤ lastBase, i.e. n < ((lastBase + 1)·up) / down.
      const end = Math.ceil(((lastBase + 1) * up) / down)
      producible = Math.max(0, end - this.nextOutput)
    }
    const out = new Float32Array(producible)
    const buffer = this.buffer
    const stepBase = Math.floor(down / up)
    const stepPhase = down % up
    let base = this.nextBase
    let phase = this.nextPhase
    for (let i = 0; i < producible; i++) {
      const weights = this.kernel.weights(phase)
      const offset = this.kernel.weightsOffset(phase)
      const first = base - reach + 1 - this.bufferStart
      let acc = 0
      for (let j = 0; j < taps; j++) acc += weights[offset + j]! * buffer[first + j]!
      out[i] = acc
      base += stepBase
      phase += stepPhase
      if (phase >= up) {
        phase -= up
        base++
      }
    }
    this.nextOutput += producible
    this.nextBase = base
    this.nextPhase = phase
    this.discardBefore(base - reach + 1)
    return out
  }

  /** Drop input that no future output needs, once enough has piled up to be worth a copy. */
  private discardBefore(absoluteIndex: number): void {
    const drop = absoluteIndex - this.bufferStart
    if (drop <= 0 || drop < this.buffer.length / 2) return
    const keep = Math.max(0, this.bufferLength - drop)
    this.buffer.copyWithin(0, drop, drop + keep)
    this.bufferStart += drop
    this.bufferLength = keep
  }
}

/** Resample a whole signal (see the module comment for the filter). Length: ⌈n · to / from⌉. */
export function resample(samples: Float32Array, fromRateHz: number, toRateHz: number): Float32Array {
  const resampler = new StreamingResampler(fromRateHz, toRateHz)
  const body = resampler.process(samples)
  const tail = resampler.flush()
  const out = new Float32Array(body.length + tail.length)
  out.set(body)
  out.set(tail, body.length)
  return out
}
