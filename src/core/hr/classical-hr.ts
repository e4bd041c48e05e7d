/**
 * The classical heart-rate estimator (docs/hr-protocol.md: the app's fallback and cross-check): no
 * learning, just the periodicity of the heart-sound envelope.
 *
 *   window → pcgEnvelope (25–150 Hz band, Hilbert envelope) → autocorrelation →
 *   highest peak in the 30–240 bpm lag range → half/double-rate guard → parabolic
 *   interpolation → HR = 60 / lag; quality from the peak's height.
 *
 * Why a guard: the envelope has two bumps per beat (S1 and S2), so the autocorrelation also
 * peaks at the S1→S2 lag (about half a beat at high rates: a double-rate error) and at two
 * beats (a half-rate error when beats vary in loudness). The guard looks at the peaks near L/2
 * and 2L of the chosen lag L and moves only when the chosen rate is implausibly fast (> 170)
 * or slow (< 65 bpm) and the other peak is clearly supported.
 * The constants were tuned on the development data with scripts/tune-classical-hr.ts.
 */
import { autocorrelation } from '../dsp/autocorrelation'
import { pcgEnvelope } from '../dsp/envelope'
import { InvalidArgumentError } from '../errors'

export interface ClassicalHrOptions {
  /** Lowest HR reported (bpm); default 30. */
  minBpm?: number
  /** Highest HR reported (bpm); default 240 (children run 120–180, infants higher). */
  maxBpm?: number
}

export interface ClassicalHrResult {
  /** null when the window shows no clear periodicity (quality below the reporting threshold). */
  hrBpm: number | null
  /** Periodicity in [0, 1]: the length-corrected autocorrelation at the beat lag. */
  quality: number
}

/** Every knob of the estimator; exported for the tuning script, not for callers. */
export interface ClassicalHrTuning {
  envelopeRateHz: number
  envelopeLowpassHz: number
  /** Band kept before the envelope. */
  bandLowHz: number
  bandHighHz: number
  envelopeMethod: 'hilbert' | 'homomorphic'
  /**
   * Double-rate guard: a beat faster than this (bpm) is replaced by the highest peak between
   * `fastSearchFrom` and `fastSearchTo` times its lag when that peak reaches
   * `fastSubharmonicRatio` of the chosen one. The span is wide (not just 2L) because the lag
   * wrongly picked is often the S1→S2 interval, about 1/3 to 1/2 of the beat, not exactly 1/2.
   */
  fastBpm: number
  fastSubharmonicRatio: number
  fastSearchFrom: number
  fastSearchTo: number
  /**
   * Half-rate guard: a beat slower than this (bpm) is replaced by the peak near half its lag
   * when that peak reaches `slowHarmonicRatio` of the chosen one.
   */
  slowBpm: number
  slowHarmonicRatio: number
  /** Where to look for the L/2 peak: ± this fraction of L/2. */
  harmonicTolerance: number
  /** Length correction n/(n−k) of the autocorrelation before peak picking (unbiased). */
  unbiased: boolean
  /**
   * Below this quality the HR is reported as null. 0.35: the highest peak of white or red noise
   * envelopes reaches 0.32 at most (200 deterministic 5-s windows each; see the noise test in
   * tests/core/hr/classical-hr.test.ts), so noise is declined; on the 7,589 development windows 0.35
   * declines 736 (9.7 %), and the MAE of the rest is 1.76 bpm instead of 2.42 over all (1.75 with
   * the full-rate envelope these were tuned with; see envelopeDecimation in dsp/envelope.ts).
   */
  minQuality: number
}

/**
 * Tuned on all 7,589 development windows (scripts/tune-classical-hr.ts and a grid over these
 * constants): a 25–150 Hz band (where S1/S2 energy dominates murmurs and friction) with a plain
 * Hilbert envelope beat 25–400 Hz homomorphic (MAE 12.7 vs 19.6 bpm before any guard). The
 * errors left were S1→S2 lags read as beats (lags of 0.26–0.3 s, i.e. "200–230 bpm") and
 * two-beat lags at "35–58 bpm". Looking for the beat only at 2L fixed most (MAE 3.9 bpm);
 * searching 1.6L–3.2L also catches S1→S2 lags of slow hearts (S1→S2 ≈ 0.3 s at 70 bpm looks like
 * 200 bpm): MAE 2.4 bpm. A fast pick needs only a weak later peak (0.3 of its height) to be
 * demoted because a real beat above 170 bpm is rare in this data and a true beat lag has no
 * strong peak between 1.6L and 3.2L except 2L itself, i.e. its own repeat; 170 rather than the
 * marginally better 160 keeps children's rates up to 170 bpm out of the guard's reach.
 */
export const CLASSICAL_HR_TUNING: Readonly<ClassicalHrTuning> = {
  envelopeRateHz: 50,
  envelopeLowpassHz: 8,
  bandLowHz: 25,
  bandHighHz: 150,
  envelopeMethod: 'hilbert',
  fastBpm: 170,
  fastSubharmonicRatio: 0.3,
  fastSearchFrom: 1.6,
  fastSearchTo: 3.2,
  slowBpm: 65,
  slowHarmonicRatio: 0.3,
  harmonicTolerance: 0.15,
  unbiased: false,
  minQuality: 0.35,
}

export const DEFAULT_MIN_BPM = 30
export const DEFAULT_MAX_BPM = 240

/** An envelope's autocorrelation and the envelope's rate (lag k is k / envelopeRateHz seconds). */
export interface EnvelopeAutocorrelation {
  acf: Float32Array
  envelopeRateHz: number
}

/** Normalised autocorrelation of the window's envelope, lags 0..maxLag envelope samples. */
export function envelopeAutocorrelation(
  window: Float32Array,
  sampleRateHz: number,
  maxLagS: number,
  tuning: Readonly<ClassicalHrTuning> = CLASSICAL_HR_TUNING,
): EnvelopeAutocorrelation {
  const { envelope, envelopeRateHz } = pcgEnvelope(window, sampleRateHz, {
    envelopeRateHz: tuning.envelopeRateHz,
    lowpassHz: tuning.envelopeLowpassHz,
    bandLowHz: tuning.bandLowHz,
    bandHighHz: Math.min(tuning.bandHighHz, 0.45 * sampleRateHz),
    method: tuning.envelopeMethod,
  })
  const maxLag = Math.min(Math.ceil(maxLagS * envelopeRateHz) + 2, Math.max(envelope.length - 1, 0))
  const acf = autocorrelation(envelope, maxLag)
  if (tuning.unbiased) for (let k = 1; k < acf.length; k++) acf[k] = (acf[k]! * envelope.length) / (envelope.length - k)
  return { acf, envelopeRateHz }
}

/** Index of the highest local maximum of `acf` with lo ≤ k ≤ hi, or -1. */
function highestPeak(acf: Float32Array, lo: number, hi: number): number {
  let best = -1
  const from = Math.max(1, Math.ceil(lo))
  const to = Math.min(acf.length - 2, Math.floor(hi))
  for (let k = from; k <= to; k++) {
    const v = acf[k]!
    if (v > acf[k - 1]! && v >= acf[k + 1]! && (best < 0 || v > acf[best]!)) best = k
  }
  return best
}

/** Peak lag refined by a parabola through the three samples around it. */
function interpolatedLag(acf: Float32Array, k: number): number {
  const left = acf[k - 1]!
  const centre = acf[k]!
  const right = acf[k + 1]!
  const curvature = left - 2 * centre + right
  if (!(curvature < 0)) return k
  const offset = (0.5 * (left - right)) / curvature
  return k + Math.max(-0.5, Math.min(0.5, offset))
}

/**
 * Beat lag (envelope samples, fractional) and quality from an envelope autocorrelation.
 * `lagMin`/`lagMax` bound the search (from maxBpm/minBpm). Returns lag −1 when no peak exists.
 */
export function pickBeatLag(
  acf: Float32Array,
  envelopeLength: number,
  envelopeRateHz: number,
  lagMin: number,
  lagMax: number,
  tuning: Readonly<ClassicalHrTuning> = CLASSICAL_HR_TUNING,
): { lag: number; quality: number } {
  let k = highestPeak(acf, lagMin, lagMax)
  if (k < 0) return { lag: -1, quality: 0 }
  const tol = tuning.harmonicTolerance
  const bpmOf = (lag: number): number => (60 * envelopeRateHz) / lag
  const chosen = acf[k]!
  // Double-rate guard: the S1→S2 lag is a peak of its own; the beat is the later, repeated one.
  const later = highestPeak(acf, Math.max(lagMin, k * tuning.fastSearchFrom), Math.min(lagMax, k * tuning.fastSearchTo))
  const half = highestPeak(acf, Math.max(lagMin, (k / 2) * (1 - tol)), Math.min(lagMax, (k / 2) * (1 + tol)))
  if (later > 0 && bpmOf(interpolatedLag(acf, k)) > tuning.fastBpm && acf[later]! >= tuning.fastSubharmonicRatio * chosen) k = later
  // Half-rate guard: a slow pick with a supported peak near L/2 was two beats.
  else if (half > 0 && bpmOf(interpolatedLag(acf, k)) < tuning.slowBpm && acf[half]! >= tuning.slowHarmonicRatio * chosen) k = half
  const lag = interpolatedLag(acf, k)
  // Quality: the length-corrected correlation at the beat lag (biased ACF shrinks by (n−k)/n).
  const corrected = tuning.unbiased ? acf[k]! : (acf[k]! * envelopeLength) / Math.max(1, envelopeLength - k)
  return { lag, quality: Math.max(0, Math.min(1, corrected)) }
}

/** The HR band the options ask for (the defaults where they are silent), checked with the sample rate. */
function bandOf(options: ClassicalHrOptions, sampleRateHz: number): { minBpm: number; maxBpm: number } {
  const minBpm = options.minBpm ?? DEFAULT_MIN_BPM
  const maxBpm = options.maxBpm ?? DEFAULT_MAX_BPM
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz))
    throw new InvalidArgumentError(`sampleRateHz must be positive and finite, got ${sampleRateHz}`)
  if (!(minBpm > 0) || !Number.isFinite(minBpm)) throw new InvalidArgumentError(`minBpm must be positive and finite, got ${minBpm}`)
  if (!(maxBpm > minBpm) || !Number.isFinite(maxBpm))
    throw new InvalidArgumentError(`maxBpm must be finite and above minBpm (${minBpm}), got ${maxBpm}`)
  return { minBpm, maxBpm }
}

/**
 * HR of one window (typically 5 s at 4 kHz) from its envelope periodicity. The window must hold
 * at least two beats at `minBpm` for that rate to be found (5 s covers 30 bpm).
 */
export function estimateHrClassical(
  window: Float32Array,
  sampleRateHz: number,
  options: ClassicalHrOptions = {},
  tuning: Readonly<ClassicalHrTuning> = CLASSICAL_HR_TUNING,
): ClassicalHrResult {
  const { minBpm } = bandOf(options, sampleRateHz)
  const envelopeAcf = envelopeAutocorrelation(window, sampleRateHz, 60 / minBpm, tuning)
  return hrFromEnvelopeAutocorrelation(envelopeAcf, window.length, sampleRateHz, options, tuning)
}

/**
 * The second half of `estimateHrClassical`, for a caller that already has the window's
 * `envelopeAutocorrelation(window, sampleRateHz, 60 / minBpm, tuning)` — e.g. to hand the same
 * one to `detectBeats` instead of computing the envelope twice per window.
 */
export function hrFromEnvelopeAutocorrelation(
  { acf, envelopeRateHz }: EnvelopeAutocorrelation,
  windowLength: number,
  sampleRateHz: number,
  options: ClassicalHrOptions = {},
  tuning: Readonly<ClassicalHrTuning> = CLASSICAL_HR_TUNING,
): ClassicalHrResult {
  const { minBpm, maxBpm } = bandOf(options, sampleRateHz)
  const envelopeLength = Math.floor(((windowLength - 1) * envelopeRateHz) / sampleRateHz) + 1
  const picked = pickBeatLag(acf, envelopeLength, envelopeRateHz, (60 / maxBpm) * envelopeRateHz, (60 / minBpm) * envelopeRateHz, tuning)
  if (picked.lag <= 0 || picked.quality < tuning.minQuality) return { hrBpm: null, quality: picked.quality }
  return { hrBpm: (60 * envelopeRateHz) / picked.lag, quality: picked.quality }
}
