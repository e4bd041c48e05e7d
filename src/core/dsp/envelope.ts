import { InvalidArgumentError } from '../errors'
import { filtfiltDecimate, type SosSections } from './biquad'
import { butterworthBandpass, butterworthLowpass } from './butterworth'
import { analyticAmplitudeInto } from './hilbert'

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
 * The heart-sound envelope: band-pass, decimation to a rate that still holds the band
 * (`envelopeDecimation`), envelope, smoothing, interpolation to `envelopeRateHz`, then
 * normalisation to zero mean and unit standard deviation. Every filter is zero-phase, so
 * envelope sample j describes time j / envelopeRateHz exactly (peaks line up with S1/S2 in the
 * segmentation).
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
    throw new InvalidArgumentError(
      `lowpassHz: must be in (0, ${o.envelopeRateHz / 2}) for a ${o.envelopeRateHz} Hz envelope, got ${o.lowpassHz}`,
    )
  }
  if (o.method !== 'homomorphic' && o.method !== 'hilbert') {
    throw new InvalidArgumentError(`method: must be "homomorphic" or "hilbert", got ${JSON.stringify(o.method)}`)
  }
  const envelopeRateHz = o.envelopeRateHz
  const outLength = Math.floor(((samples.length - 1) * envelopeRateHz) / sampleRateHz) + 1
  if (samples.length === 0) return { envelope: new Float32Array(0), envelopeRateHz }

  // Everything after the band-pass runs at sampleRateHz / factor: the band-passed signal holds
  // nothing the envelope needs above the band's upper edge, and the envelope is low-passed far
  // below that, so the Hilbert transform and the smoothing filters need not see 4 kHz.
  const factor = envelopeDecimation(sampleRateHz, o.bandHighHz, envelopeRateHz)
  const workRateHz = sampleRateHz / factor
  const band = filtfiltDecimate(butterworthBandpass(o.bandOrder, o.bandLowHz, o.bandHighHz, sampleRateHz), samples, factor)
  const amplitude = band // overwritten in place: the band signal is not needed afterwards
  analyticAmplitudeInto(band, amplitude)
  if (o.method === 'homomorphic') for (let i = 0; i < amplitude.length; i++) amplitude[i] = Math.log(Math.max(amplitude[i]!, LOG_FLOOR))
  // Order 1 as in Springer's homomorphic filter; a second, steeper pass below the output
  // Nyquist keeps the decimation free of aliasing. Their edge extension keeps the duration it
  // has at the full rate (scipy's 3·(2·sections + 1) samples there): counted in samples of the
  // decimated signal it would be `factor` times longer, and the envelope's first and last
  // samples would drift from the full-rate computation's.
  const edgePad = (sections: SosSections): number => Math.max(1, Math.round((3 * (2 * sections.length + 1)) / factor))
  const smoothing = butterworthLowpass(1, o.lowpassHz, workRateHz)
  let smooth = filtfiltDecimate(smoothing, amplitude, 1, edgePad(smoothing))
  const antiAliasHz = 0.4 * envelopeRateHz
  if (antiAliasHz < workRateHz / 2) {
    const antiAlias = butterworthLowpass(4, antiAliasHz, workRateHz)
    smooth = filtfiltDecimate(antiAlias, smooth, 1, edgePad(antiAlias))
  }
  // Homomorphic: back from the log domain, only at the samples the interpolation reads.
  const value = o.method === 'homomorphic' ? (i: number): number => Math.exp(smooth[i]!) : (i: number): number => smooth[i]!

  const envelope = new Float32Array(outLength)
  const step = workRateHz / envelopeRateHz
  for (let j = 0; j < outLength; j++) {
    const position = j * step
    const i = Math.floor(position)
    const frac = position - i
    const here = value(i)
    const next = i + 1 < smooth.length ? value(i + 1) : here
    envelope[j] = here + frac * (next - here)
  }
  return { envelope: standardise(envelope), envelopeRateHz }
}

/**
 * After decimation the band-passed signal's Nyquist stays at least this many times the band's
 * upper edge. There the zero-phase band-pass (order 2, run forward and backward) is already well
 * down: the classical estimator's 25–150 Hz band, decimated 8× to 500 Hz, is −22.9 dB at the new
 * Nyquist (250 Hz) and −35.6 dB at 350 Hz, the lowest frequency that folds into the band; the
 * beat detector's 25–400 Hz band, decimated 2× to 2 kHz, −41 dB at 1 kHz and −80 dB at 1.6 kHz
 * (tests/core/dsp/envelope.test.ts checks these). What folds keeps its amplitude and the envelope
 * is low-passed at a few hertz, so the residue is small. Measured: 1.25 would decimate the beat
 * detector's band 4× (−11.8 dB at its Nyquist), which cost S1 F1 0.007 on the test split
 * (scripts/beats-eval.ts; a 3× factor cost 0.003). At 1.6 the beat scores are those of the
 * full-rate computation (S1 F1 0.912) and the classical estimator's development figures move by
 * 0.01 bpm at most (MAE 2.42, 736 windows declined, 1.76 instead of 1.75 on the rest); decimating
 * its band only 4× gave the same figures at twice the cost.
 */
export const MIN_NYQUIST_OVER_BAND_EDGE = 1.6

/**
 * Decimation factor used after the band-pass: the largest power of two that keeps the Nyquist
 * at ≥ MIN_NYQUIST_OVER_BAND_EDGE × bandHighHz and the rate at ≥ the envelope's rate. A power
 * of two so that the zero-padded FFT covers the same span of time as at the full rate
 * (nextPowerOfTwo(⌈n / factor⌉) = nextPowerOfTwo(n) / factor for n ≥ factor), which keeps the
 * Hilbert transform's wrap-around at the window's ends what it was.
 */
export function envelopeDecimation(sampleRateHz: number, bandHighHz: number, envelopeRateHz: number): number {
  let factor = 1
  for (;;) {
    const nextRateHz = sampleRateHz / (2 * factor)
    if (nextRateHz / 2 < MIN_NYQUIST_OVER_BAND_EDGE * bandHighHz || nextRateHz < envelopeRateHz) return factor
    factor *= 2
  }
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
