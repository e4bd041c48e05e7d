import { InvalidArgumentError } from '../errors'

/**
 * Band-limited resampling between integer rates: a Kaiser-windowed sinc evaluated at the
 * rational phases of L/M = toRate/fromRate (a polyphase filter bank). The cut-off sits at
 * 0.9 × the lower Nyquist with the transition band 0.8–1.0 × Nyquist and ≥ 80 dB stop-band,
 * so everything above the new Nyquist is removed before it can alias, and tones below
 * 0.8 × Nyquist pass with < 0.01 dB ripple. Zero-phase: output sample n is the signal at time
 * n / toRateHz, with the input taken as zero outside its ends.
 *
 * Large down-ratios (a 44.1/48-kHz sound card to the 4-kHz model rate) go through two stages,
 * because the single bank's length grows with the ratio (624 taps per output for 48 k → 4 k):
 * first an integer decimation by k (the largest divisor of fromRate that keeps fromRate/k
 * ≥ 2.5 × toRate) with a short symmetric FIR, then the polyphase bank from fromRate/k. The
 * FIR only protects the final band: it is flat (< 0.01 dB) up to 0.9 × the final Nyquist and
 * ≥ 80 dB down from fromRate/k − toRate/2 up, i.e. wherever a tone would fold below the final
 * Nyquist; what it lets through between those edges lands above the final Nyquist after the
 * decimation, where the polyphase bank removes it. Same contract, 3–4× fewer operations (the
 * bank after an integer ratio such as 12 k → 4 k also uses its symmetry: one multiply per pair).
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
  /**
   * For an integer down-ratio (up = 1, the cascade's 12 k → 4 k) the one phase is symmetric
   * about the output time (weight reach − 1): symmetricHalfTaps[i] weighs the samples i before
   * and i after it, so the inner loop does one multiply per pair. (Weight 2·reach − 1 sits on the
   * window's edge: zero.)
   */
  readonly symmetricHalfTaps: Float64Array | undefined

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
      if (up === 1 && this.table[this.taps - 1] === 0) {
        const centre = this.reach - 1
        this.symmetricHalfTaps = Float64Array.from(
          { length: this.reach },
          (_, i) => (this.table![centre - i]! + this.table![centre + i]!) / 2,
        )
      }
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

/** Where a decimating first stage starts to pay: its output rate must stay ≥ this × toRate. */
const MIN_INTERMEDIATE_OF_TO_RATE = 2.5
/** The first stage's passband edge as a fraction of the final Nyquist frequency. */
const DECIMATOR_PASSBAND_OF_NYQUIST = 0.9
/**
 * Design attenuation of the decimating FIR. The requirement is 80 dB; Kaiser's length and β
 * formulas undershoot by up to ~4 dB for filters this short (17–35 taps: 76.5 dB designed at
 * 80 for 22.05 k → 4 k), so the design asks 86 (≥ 81.9 dB for every pair checked).
 */
const DECIMATOR_ATTENUATION_DB = 86

/** k for the first stage: the largest divisor of fromRate with fromRate/k ≥ 2.5 × toRate; 1 = single stage. */
export function decimationFactor(fromRateHz: number, toRateHz: number): number {
  // Exact for integer rates: 2.5 × toRate is representable, and so is an integer quotient.
  for (let k = Math.floor(fromRateHz / (MIN_INTERMEDIATE_OF_TO_RATE * toRateHz)); k >= 2; k--) if (fromRateHz % k === 0) return k
  return 1
}

/**
 * The decimating first stage's FIR for a rate pair (its centre tap, then the taps 1, 2, … R
 * away from it on either side: the filter is symmetric), or undefined where the pair is
 * resampled in one stage. Exported so tests can check its frequency response directly.
 */
export function decimatorCoefficients(fromRateHz: number, toRateHz: number): { factor: number; halfTaps: Float64Array } | undefined {
  checkRate('fromRateHz', fromRateHz)
  checkRate('toRateHz', toRateHz)
  const factor = decimationFactor(fromRateHz, toRateHz)
  return factor === 1 ? undefined : { factor, halfTaps: Float64Array.from(decimatorFor(fromRateHz, toRateHz, factor).halfTaps) }
}

/** The first stage's filter: symmetric, odd length 2R + 1, unit DC gain. */
class DecimatorKernel {
  /** halfTaps[i] weighs the input samples i before and i after the output time (halfTaps.length = R + 1). */
  readonly halfTaps: Float64Array
  /** R: the taps reach this many input samples to each side of the output time. */
  readonly reach: number

  constructor(
    readonly factor: number,
    fromRateHz: number,
    toRateHz: number,
  ) {
    const passEdgeHz = DECIMATOR_PASSBAND_OF_NYQUIST * (toRateHz / 2)
    // A tone at f ≥ fromRate/k − toRate/2 folds to within the final band after decimating by k.
    const stopEdgeHz = fromRateHz / factor - toRateHz / 2
    const transitionPerSample = (stopEdgeHz - passEdgeHz) / fromRateHz
    const cutoffPerSample = (passEdgeHz + stopEdgeHz) / 2 / fromRateHz
    // Kaiser's length estimate: N − 1 = (A − 7.95) / (2.285 · 2π · Δf).
    this.reach = Math.ceil((DECIMATOR_ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transitionPerSample) / 2)
    const beta = 0.1102 * (DECIMATOR_ATTENUATION_DB - 8.7)
    const i0Beta = besselI0(beta)
    this.halfTaps = new Float64Array(this.reach + 1)
    let sum = 0
    for (let i = 0; i <= this.reach; i++) {
      const u = i / this.reach
      const x = 2 * cutoffPerSample * i
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)
      const w = 2 * cutoffPerSample * sinc * (besselI0(beta * Math.sqrt(1 - u * u)) / i0Beta)
      this.halfTaps[i] = w
      sum += i === 0 ? w : 2 * w
    }
    // Unit DC gain, so a constant stays constant through the cascade.
    for (let i = 0; i <= this.reach; i++) this.halfTaps[i] = this.halfTaps[i]! / sum
  }
}

/** One kernel per rate pair; building a bank costs more than resampling a short window. */
const kernelCache = new Map<string, PolyphaseKernel | DecimatorKernel>()

function cachedKernel<K extends PolyphaseKernel | DecimatorKernel>(key: string, build: () => K): K {
  let kernel = kernelCache.get(key) as K | undefined
  if (!kernel) {
    kernel = build()
    if (kernelCache.size >= 32) kernelCache.clear()
    kernelCache.set(key, kernel)
  }
  return kernel
}

function kernelFor(up: number, down: number): PolyphaseKernel {
  return cachedKernel(`bank ${up}/${down}`, () => new PolyphaseKernel(up, down))
}

function decimatorFor(fromRateHz: number, toRateHz: number, factor: number): DecimatorKernel {
  return cachedKernel(`decimator ${fromRateHz}/${toRateHz}/${factor}`, () => new DecimatorKernel(factor, fromRateHz, toRateHz))
}

/**
 * A stream's input kept for the filters, indexed by absolute sample number: appended at the end,
 * dropped at the front once no future output needs it.
 */
class InputHistory {
  samples = new Float32Array(0)
  /** Absolute input index of samples[0] (negative before the signal starts). */
  start = 0
  length = 0

  /** Starts over at absolute index `start`, holding `zeros` zeros (the implicit signal before index 0). */
  reset(start: number, zeros: number, capacity: number): void {
    this.samples = new Float32Array(Math.max(capacity, zeros))
    this.start = start
    this.length = zeros
  }

  /** Absolute index one past the last sample held. */
  get end(): number {
    return this.start + this.length
  }

  append(chunk: Float32Array): void {
    const needed = this.length + chunk.length
    if (needed > this.samples.length) {
      const grown = new Float32Array(Math.max(needed, 2 * this.samples.length))
      grown.set(this.samples.subarray(0, this.length))
      this.samples = grown
    }
    this.samples.set(chunk, this.length)
    this.length += chunk.length
  }

  /** Drop input before `absoluteIndex`, once enough has piled up to be worth a copy. */
  discardBefore(absoluteIndex: number): void {
    const drop = absoluteIndex - this.start
    if (drop <= 0 || drop < this.samples.length / 2) return
    const keep = Math.max(0, this.length - drop)
    this.samples.copyWithin(0, drop, drop + keep)
    this.start += drop
    this.length = keep
  }
}

/**
 * The first stage on a stream: output m is Σ h[i] · x[m·k + i], i = −R..R, input zero before
 * index 0. It starts at output `firstOutput` (< 0), so the polyphase stage after it sees the
 * filtered signal, the FIR's pre-ringing of the start included, where a single stage would see
 * its implicit leading zeros.
 */
class DecimatorStage {
  private readonly input = new InputHistory()
  private received = 0
  private nextOutput = 0
  private out = new Float32Array(256)

  constructor(
    readonly kernel: DecimatorKernel,
    private readonly firstOutput: number,
  ) {
    this.reset()
  }

  reset(): void {
    const { factor, reach } = this.kernel
    const start = this.firstOutput * factor - reach
    // The implicit zeros before the signal that the first outputs' taps reach.
    const zeros = Math.max(0, -start)
    this.input.reset(start, zeros, Math.max(1024, 2 * zeros))
    this.received = 0
    this.nextOutput = this.firstOutput
  }

  /** Outputs whose taps lie within the input so far (a view, valid until the next call). */
  process(chunk: Float32Array): Float32Array {
    this.input.append(chunk)
    this.received += chunk.length
    const { factor, reach } = this.kernel
    return this.emitThrough(Math.floor((this.received - 1 - reach) / factor))
  }

  /** Every remaining output that the signal reaches (later ones are exact zeros); the stage must be reset after. */
  flush(): Float32Array {
    const { factor, reach } = this.kernel
    this.input.append(new Float32Array(2 * reach + 1))
    return this.emitThrough(Math.floor((this.received - 1 + reach) / factor))
  }

  private emitThrough(lastOutput: number): Float32Array {
    const count = Math.max(0, lastOutput - this.nextOutput + 1)
    if (count > this.out.length) this.out = new Float32Array(Math.max(count, 2 * this.out.length))
    const out = this.out
    const { factor, reach, halfTaps } = this.kernel
    const samples = this.input.samples
    let centre = this.nextOutput * factor - this.input.start
    const centreTap = halfTaps[0]!
    for (let n = 0; n < count; n++) {
      // Symmetric taps: one multiply per pair of samples.
      let acc = centreTap * samples[centre]!
      for (let i = 1; i <= reach; i++) acc += halfTaps[i]! * (samples[centre - i]! + samples[centre + i]!)
      out[n] = acc
      centre += factor
    }
    this.nextOutput += count
    this.input.discardBefore(this.nextOutput * factor - reach)
    return out.subarray(0, count)
  }
}

/**
 * The polyphase bank on a stream. Its input is indexed from −reach: on its own it fills those
 * leading samples with the implicit zeros before the signal; after a decimator it is fed the
 * decimator's outputs for those times instead.
 */
class PolyphaseStage {
  private readonly input = new InputHistory()
  private nextOutput = 0
  private nextBase = 0
  private nextPhase = 0

  constructor(
    readonly kernel: PolyphaseKernel,
    private readonly leadingZeros: boolean,
  ) {
    this.reset()
  }

  reset(): void {
    const reach = this.kernel.reach
    this.input.reset(-reach, this.leadingZeros ? reach : 0, Math.max(1024, 4 * reach))
    this.nextOutput = 0
    this.nextBase = 0
    this.nextPhase = 0
  }

  append(chunk: Float32Array): void {
    this.input.append(chunk)
  }

  /** Outputs whose taps lie within the input so far. */
  emitAvailable(): Float32Array {
    return this.emit(this.input.end)
  }

  /** Outputs up to `totalOutputs` in all, the input after what was appended taken as zero. */
  emitTail(totalOutputs: number): Float32Array {
    const outstanding = totalOutputs - this.nextOutput
    if (outstanding <= 0) return new Float32Array(0)
    this.input.append(new Float32Array(this.kernel.reach + 1))
    return this.emit(this.input.end, outstanding)
  }

  /** Compute outputs whose taps lie within input indices < `available` (or `count` of them). */
  private emit(available: number, count?: number): Float32Array {
    const { up, down, reach, taps } = this.kernel
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
    const samples = this.input.samples
    const stepBase = Math.floor(down / up)
    const stepPhase = down % up
    let base = this.nextBase
    let phase = this.nextPhase
    const half = this.kernel.symmetricHalfTaps
    if (half) {
      // up = 1: phase stays 0 and the output time is input sample `base`.
      let centre = base - this.input.start
      const centreTap = half[0]!
      for (let i = 0; i < producible; i++) {
        let acc = centreTap * samples[centre]!
        for (let k = 1; k < half.length; k++) acc += half[k]! * (samples[centre - k]! + samples[centre + k]!)
        out[i] = acc
        centre += down
      }
      base += producible * down
    } else {
      for (let i = 0; i < producible; i++) {
        const weights = this.kernel.weights(phase)
        const offset = this.kernel.weightsOffset(phase)
        const first = base - reach + 1 - this.input.start
        let acc = 0
        for (let j = 0; j < taps; j++) acc += weights[offset + j]! * samples[first + j]!
        out[i] = acc
        base += stepBase
        phase += stepPhase
        if (phase >= up) {
          phase -= up
          base++
        }
      }
    }
    this.nextOutput += producible
    this.nextBase = base
    this.nextPhase = phase
    this.input.discardBefore(base - reach + 1)
    return out
  }
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
  /**
   * Input samples the filters look ahead of the output time. With the two-stage path the
   * look-aheads add up in input samples: R of the decimating FIR, plus the polyphase bank's
   * reach (in intermediate samples) times the decimation factor k.
   */
  readonly lookaheadInputSamples: number
  /**
   * Delay of the stream in output samples: after any `process` call, at most
   * latencySamples + 1 samples of the one-shot result are still held back (until more input or
   * `flush`). It is the look-ahead above in output samples, ⌈lookaheadInputSamples · up / down⌉:
   * the decimator holds back what its R-sample look-ahead needs (and waits for a whole group of
   * k inputs), the bank what its reach needs; the rounding of both fits in that ceiling.
   */
  readonly latencySamples: number
  /** The first stage's factor k (1: a single polyphase stage). */
  readonly decimationFactor: number

  private readonly decimator: DecimatorStage | undefined
  private readonly polyphase: PolyphaseStage
  private received = 0

  constructor(fromRateHz: number, toRateHz: number) {
    checkRate('fromRateHz', fromRateHz)
    checkRate('toRateHz', toRateHz)
    this.fromRateHz = fromRateHz
    this.toRateHz = toRateHz
    const divisor = gcd(fromRateHz, toRateHz)
    this.up = toRateHz / divisor
    this.down = fromRateHz / divisor
    this.decimationFactor = decimationFactor(fromRateHz, toRateHz)
    const intermediateRateHz = fromRateHz / this.decimationFactor
    const stageDivisor = gcd(intermediateRateHz, toRateHz)
    const kernel = kernelFor(toRateHz / stageDivisor, intermediateRateHz / stageDivisor)
    const single = this.decimationFactor === 1
    this.polyphase = new PolyphaseStage(kernel, single)
    this.decimator = single ? undefined : new DecimatorStage(decimatorFor(fromRateHz, toRateHz, this.decimationFactor), -kernel.reach)
    this.lookaheadInputSamples = (this.decimator?.kernel.reach ?? 0) + this.decimationFactor * kernel.reach
    this.latencySamples = this.up === this.down ? 0 : Math.ceil((this.lookaheadInputSamples * this.up) / this.down)
  }

  /** Forget all input; the next sample is time 0 again. */
  reset(): void {
    this.decimator?.reset()
    this.polyphase.reset()
    this.received = 0
  }

  process(chunk: Float32Array): Float32Array {
    // Equal rates: a copy, not a low-pass (the band edge would otherwise cut the top 10 %).
    if (this.up === this.down) return Float32Array.from(chunk)
    this.received += chunk.length
    this.polyphase.append(this.decimator ? this.decimator.process(chunk) : chunk)
    return this.polyphase.emitAvailable()
  }

  /** Output the tail (input after the end taken as zero); the resampler is then reset. */
  flush(): Float32Array {
    if (this.up === this.down) return new Float32Array(0)
    const total = Math.ceil((this.received * this.up) / this.down)
    if (this.decimator) this.polyphase.append(this.decimator.flush())
    const tail = this.polyphase.emitTail(total)
    this.reset()
    return tail
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
