import { InvalidArgumentError } from '../errors'
import { filtfilt } from './biquad'
import { butterworthBandpass, butterworthLowpass } from './butterworth'
import { analyticAmplitude } from './hilbert'

export interface PcgEnvelopeOptions {
  /** Band kept before the envelope: where S1/S2 energy lives (Springer et al. 2016). */
  bandLowHz?: number
  bandHighHz?: number
  /** Prototype order of that band-pass (applied forward and backward, so effectively doubled). */
  bandOrder?: number
  /**
   * `homomorphic`: exp(low-pass(log |analytic signal|)) — compresses loud S1s so quieter S2s
   * still show (Springer's choice). `hilbert`: low-pass(|analytic signal|).
   */
  method?: 'homomorphic' | 'hilbert'
  /** Smoothing low-pass of the envelope (8 Hz keeps S1 and S2 apart up to ~200 bpm). */
  lowpassHz?: number
  /** Output rate. */
  envelopeRateHz?: number
}

export const PCG_ENVELOPE_DEFAULTS = {
  bandLowHz: 25,
  bandHighHz: 400,
  bandOrder: 2,
  method: 'homomorphic',
  lowpassHz: 8,
  envelopeRateHz: 50,
} as const satisfies Required<PcgEnvelopeOptions>

/** Floor under the amplitude before the log, so digital silence does not give −∞. */
const LOG_FLOOR = 1e-10

/**
 * The heart-sound envelope: band-pass, envelope, decimation, then normalised to zero mean and
 * unit standard deviation. Every filter is zero-phase, so envelope sample j describes time
 * j / envelopeRateHz exactly (peaks line up with S1/S2 in the segmentation).
 */
export function pcgEnvelope(
  samples: Float32Array,
  sampleRateHz: number,
  options: PcgEnvelopeOptions = {},
): { envelope: Float32Array; envelopeRateHz: number } {
  const o = { ...PCG_ENVELOPE_DEFAULTS, ...options }
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz)) {
    throw new InvalidArgumentError(`sampleRateHz: must be positive and finite, got ${sampleRateHz}`)
  }
  if (!(o.bandHighHz < sampleRateHz / 2)) {
    throw new InvalidArgumentError(`bandHighHz: ${o.bandHighHz} Hz is not below Nyquist of ${sampleRateHz} Hz audio`)
  }
  if (!(o.envelopeRateHz > 0 && o.envelopeRateHz <= sampleRateHz)) {
    throw new InvalidArgumentError(`envelopeRateHz: must be in (0, ${sampleRateHz}], got ${o.envelopeRateHz}`)
  }
  if (!(o.lowpassHz > 0 && o.lowpassHz < o.envelopeRateHz / 2)) {
    throw new InvalidArgumentError(`lowpassHz: must be in (0, ${o.envelopeRateHz / 2}) for a ${o.envelopeRateHz} Hz envelope, got ${o.lowpassHz}`)
  }
  if (o.method !== 'homomorphic' && o.method !== 'hilbert') {
    throw new InvalidArgumentError(`method: must be "homomorphic" or "hilbert", got ${JSON.stringify(o.method)}`)
  }
  const envelopeRateHz = o.envelopeRateHz
  const outLength = Math.floor(((samples.length - 1) * envelopeRateHz) / sampleRateHz) + 1
  if (samples.length === 0) return { envelope: new Float32Array(0), envelopeRateHz }

  const band = filtfilt(butterworthBandpass(o.bandOrder, o.bandLowHz, o.bandHighHz, sampleRateHz), samples)
  const amplitude = analyticAmplitude(band)
  if (o.method === 'homomorphic') for (let i = 0; i < amplitude.length; i++) amplitude[i] = Math.log(Math.max(amplitude[i]!, LOG_FLOOR))
  // Order 1 as in Springer's homomorphic filter; a second, steeper pass below the output
  // Nyquist keeps the decimation free of aliasing.
  let smooth = filtfilt(butterworthLowpass(1, o.lowpassHz, sampleRateHz), amplitude)
  const antiAliasHz = 0.4 * envelopeRateHz
  if (antiAliasHz < sampleRateHz / 2) smooth = filtfilt(butterworthLowpass(4, antiAliasHz, sampleRateHz), smooth)
  if (o.method === 'homomorphic') for (let i = 0; i < smooth.length; i++) smooth[i] = Math.exp(smooth[i]!)

  const envelope = new Float32Array(outLength)
  const step = sampleRateHz / envelopeRateHz
  for (let j = 0; j < outLength; j++) {
    const position = j * step
    const i = Math.floor(position)
    const frac = position - i
    const next = i + 1 < smooth.length ? smooth[i + 1]! : smooth[i]!
    envelope[j] = smooth[i]! + frac * (next - smooth[i]!)
  }
  return { envelope: standardise(envelope), envelopeRateHz }
}

/** In place: zero mean, unit (population) standard deviation; a constant signal becomes zeros. */
export function standardise(x: Float32Array): Float32Array {
  if (x.length === 0) return x
  let mean = 0
  for (const v of x) mean += v
  mean /= x.length
  let variance = 0
  for (const v of x) variance += (v - mean) ** 2
  const sd = Math.sqrt(variance / x.length)
  for (let i = 0; i < x.length; i++) x[i] = sd > 0 ? (x[i]! - mean) / sd : 0
  return x
}
