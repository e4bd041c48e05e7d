/**
 * Beat-level analysis of one window: S1 and S2 onsets, beat-to-beat intervals and a rhythm
 * irregularity figure. Envelope-based, in the spirit of Springer et al. (2016) without the
 * trained emission model: the beat period and the systole come from the envelope's
 * autocorrelation, then a dynamic programme picks, among the envelope's peaks, the S1/S2
 * sequence that is loudest while keeping systole and diastole near those durations (a duration
 * model like Springer's HSMM, on peaks instead of samples). Each chosen peak is moved back to
 * its sound's onset, where the envelope rises through a fixed share of the peak.
 */
import { autocorrelation } from '../dsp/autocorrelation'
import { filtfilt } from '../dsp/biquad'
import { butterworthBandpass } from '../dsp/butterworth'
import { pcgEnvelope } from '../dsp/envelope'
import { InvalidArgumentError } from '../errors'
import { CLASSICAL_HR_TUNING, envelopeAutocorrelation, pickBeatLag, type EnvelopeAutocorrelation } from './classical-hr'

/** A window in which no beat was found (fresh arrays each call: callers may fill them). */
export function noBeats(): BeatAnalysis {
  return { s1OnsetsS: [], s2OnsetsS: [], intervalsS: [], irregularity: NaN, irregular: false, beatPeriodS: NaN, systoleS: NaN }
}

/** A window's beats: the intervals' irregularity (and whether it passes `irregularCv`) computed the one way. */
export function beatAnalysis(
  s1OnsetsS: number[],
  s2OnsetsS: number[],
  intervalsS: number[],
  beatPeriodS: number,
  systoleS: number,
  irregularCv: number,
): BeatAnalysis {
  const irregularity = coefficientOfVariation(intervalsS)
  return { s1OnsetsS, s2OnsetsS, intervalsS, irregularity, irregular: irregularity > irregularCv, beatPeriodS, systoleS }
}

export interface BeatAnalysis {
  /** S1 onsets, seconds from the window's first sample. */
  s1OnsetsS: number[]
  s2OnsetsS: number[]
  /** S1→S1 intervals, seconds (only between consecutive detected beats). */
  intervalsS: number[]
  /** Coefficient of variation of the S1→S1 intervals (std / mean); NaN below 3 intervals. */
  irregularity: number
  irregular: boolean
  /** Beat period the detector searched for, seconds (from the autocorrelation); NaN when none. */
  beatPeriodS: number
  /** Systole (S1→S2) it searched for, seconds. */
  systoleS: number
}

/** Knobs, exported for the evaluation script. */
export interface BeatDetectionTuning {
  envelopeRateHz: number
  envelopeLowpassHz: number
  /** A peak below this (z-scored envelope) is not a heart-sound candidate. */
  minPeakZ: number
  /** Reward for each sound in the sequence (favours explaining every beat over skipping). */
  soundBonus: number
  /** Weight of a peak's height in the score. */
  heightWeight: number
  /** Duration spread: σ = relative × duration + absolute. */
  systoleSigmaRelative: number
  diastoleSigmaRelative: number
  sigmaAbsoluteS: number
  /** Extra cost of going S1→S1 or S2→S2 (a sound missed). */
  missedSoundPenalty: number
  /** Onset: where the envelope, walking back from the peak, falls to this share of the peak's height above the local floor. */
  onsetFraction: number
  /** Envelope used to time the onsets (sharper than the one that finds the sounds). */
  onsetEnvelopeRateHz: number
  onsetLowpassHz: number
  /** Gap kept between a chain and the next chain searched beside it. */
  chainMarginS: number
  /** A stretch shorter than this many beats gets no chain of its own. */
  minSpanBeats: number
  /** When |diastole − systole| is below this, timing cannot tell S1 from S2 and pitch decides. */
  ambiguousTimingS: number
  /** S1s must be this much higher-pitched (mean log energy ratio) than S2s to swap the labels; Infinity disables. */
  pitchSwapMargin: number
  /** Where timing is ambiguous, a measured diastole − systole beyond this still decides over pitch; Infinity: pitch always. */
  measuredTimingS: number
  /** Onset never earlier than this before the peak. */
  maxOnsetLeadS: number
  /** Coefficient of variation above which the rhythm is flagged irregular. */
  irregularCv: number
}

/**
 * Chosen on the first 25 training-split patients (71 recordings, 776 protocol windows) with
 * scripts/beats-eval.ts: a 2.0 sound bonus gave S1 F1 0.831 (spurious peaks joined the
 * sequence), 0.5 gave 0.887; an 8-Hz envelope 0.892 (15 Hz: 0.887, 6 Hz: 0.889); onsets at 30 %
 * of the rise 0.897 (50 %: 0.892; the median S1 offset went from +11 ms to −3 ms). Separate
 * chains for the stretches the best chain leaves uncovered: 0.901. A sharper onset envelope
 * (200 Hz, 12–20 Hz low-pass) did not help (0.887–0.897). Pitch deciding S1/S2 when
 * |diastole − systole| < 50 ms: 0.918 (swapped windows 25 → 11; at < 100 ms 0.908, at < 200 ms
 * 0.819: pitch is a weaker cue than timing wherever timing speaks). Within those, a measured
 * peak-to-peak diastole − systole over 30 ms still decides by timing: 0.923 (15 ms: 0.913,
 * 50 ms: 0.920).
 */
export const BEAT_DETECTION_TUNING: Readonly<BeatDetectionTuning> = {
  envelopeRateHz: 100,
  envelopeLowpassHz: 8,
  minPeakZ: -0.5,
  soundBonus: 0.5,
  heightWeight: 1,
  systoleSigmaRelative: 0.12,
  diastoleSigmaRelative: 0.2,
  sigmaAbsoluteS: 0.02,
  missedSoundPenalty: 4,
  onsetFraction: 0.3,
  maxOnsetLeadS: 0.1,
  ambiguousTimingS: 0.05,
  measuredTimingS: 0.03,
  pitchSwapMargin: 0,
  onsetEnvelopeRateHz: 100,
  onsetLowpassHz: 8,
  chainMarginS: 0.15,
  minSpanBeats: 0.8,
  irregularCv: 0.1,
}

const MIN_BPM = 30
const MAX_BPM = 240

interface Peak {
  index: number
  height: number
}

function localPeaks(envelope: Float32Array, minHeight: number): Peak[] {
  const peaks: Peak[] = []
  for (let i = 1; i < envelope.length - 1; i++) {
    const v = envelope[i]!
    if (v >= minHeight && v > envelope[i - 1]! && v >= envelope[i + 1]!) peaks.push({ index: i, height: v })
  }
  return peaks
}

/**
 * Systole from the envelope autocorrelation: the highest peak between 0.2 s and half the beat
 * (Springer's heuristic: S1→S2 is the strongest repeat shorter than half a cycle).
 */
function systoleFromAcf(envelope: Float32Array, rateHz: number, beatS: number): number {
  const maxLag = Math.min(envelope.length - 2, Math.ceil((beatS / 2) * rateHz))
  const acf = autocorrelation(envelope, Math.max(1, maxLag + 1))
  const lo = Math.max(1, Math.floor(0.2 * rateHz))
  let best = -1
  for (let k = lo; k <= maxLag && k < acf.length - 1; k++)
    if (acf[k]! > acf[k - 1]! && acf[k]! >= acf[k + 1]! && (best < 0 || acf[k]! > acf[best]!)) best = k
  // No clear S1→S2 repeat: a typical systole (about a third of the beat at 60–120 bpm).
  if (best < 0) return Math.min(0.35, 0.4 * beatS)
  return best / rateHz
}

/** Where the sound peaking at `peak` starts: walking back until the envelope falls to `fraction` of its rise. */
function onsetIndex(envelope: Float32Array, peak: number, fraction: number, maxLead: number): number {
  const from = Math.max(0, peak - maxLead)
  let floor = envelope[peak]!
  for (let i = peak; i >= from; i--) floor = Math.min(floor, envelope[i]!)
  const level = floor + fraction * (envelope[peak]! - floor)
  for (let i = peak; i > from; i--) {
    if (envelope[i - 1]! < level) {
      // Linear interpolation between the two samples that straddle the level.
      const a = envelope[i - 1]!
      const b = envelope[i]!
      return i - 1 + (b === a ? 0 : (level - a) / (b - a))
    }
  }
  return from
}

/** Coefficient of variation, NaN for fewer than `minCount` values. */
export function coefficientOfVariation(values: readonly number[], minCount = 3): number {
  if (values.length < minCount) return NaN
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  if (!(mean > 0)) return NaN
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length
  return Math.sqrt(variance) / mean
}

/** log(high-band / low-band energy) of each sound, ±50 ms around its peak time: how high-pitched it is. */
function soundPitch(window: Float32Array, sampleRateHz: number, peakTimesS: readonly number[]): number[] {
  const high = filtfilt(butterworthBandpass(2, 150, Math.min(400, 0.45 * sampleRateHz), sampleRateHz), window)
  const low = filtfilt(butterworthBandpass(2, 25, 150, sampleRateHz), window)
  const half = Math.round(0.05 * sampleRateHz)
  return peakTimesS.map((t) => {
    const centre = Math.round(t * sampleRateHz)
    let h = 1e-12
    let l = 1e-12
    for (let i = Math.max(0, centre - half); i < Math.min(window.length, centre + half); i++) {
      h += high[i]! * high[i]!
      l += low[i]! * low[i]!
    }
    return Math.log(h / l)
  })
}

interface Durations {
  systoleS: number
  diastoleS: number
  beatS: number
  sigmaSys: number
  sigmaDia: number
  sigmaBeat: number
}

/**
 * The best S1/S2 chain through `peaks` (sorted): each peak is S1 (0) or S2 (1) or left out;
 * score = Σ (bonus + height) − Σ duration costs (Gaussian log-likelihood of the S1→S2,
 * S2→S1 or, with a penalty, S1→S1 / S2→S2 interval).
 */
function bestChain(
  peaks: readonly Peak[],
  rateHz: number,
  d: Durations,
  tuning: Readonly<BeatDetectionTuning>,
): { peak: Peak; label: 0 | 1 }[] {
  const n = peaks.length
  const score = [new Float64Array(n), new Float64Array(n)]
  const from = [new Int32Array(n).fill(-1), new Int32Array(n).fill(-1)]
  const fromLabel = [new Int8Array(n), new Int8Array(n)]
  const reachS = 1.6 * d.beatS
  for (let i = 0; i < n; i++) {
    const gain = tuning.soundBonus + tuning.heightWeight * peaks[i]!.height
    for (const label of [0, 1] as const) {
      let best = 0 // starting a chain here
      let bestFrom = -1
      let bestFromLabel = 0
      for (let j = i - 1; j >= 0; j--) {
        const dt = (peaks[i]!.index - peaks[j]!.index) / rateHz
        if (dt > reachS) break
        for (const previous of [0, 1] as const) {
          let cost: number
          if (previous === 0 && label === 1) cost = 0.5 * ((dt - d.systoleS) / d.sigmaSys) ** 2
          else if (previous === 1 && label === 0) cost = 0.5 * ((dt - d.diastoleS) / d.sigmaDia) ** 2
          else cost = tuning.missedSoundPenalty + 0.5 * ((dt - d.beatS) / d.sigmaBeat) ** 2
          const candidate = score[previous]![j]! - cost
          if (candidate > best) {
            best = candidate
            bestFrom = j
            bestFromLabel = previous
          }
        }
      }
      score[label]![i] = best + gain
      from[label]![i] = bestFrom
      fromLabel[label]![i] = bestFromLabel
    }
  }
  let endIndex = 0
  let endLabel = 0
  for (let i = 0; i < n; i++)
    for (const label of [0, 1] as const) if (score[label]![i]! > score[endLabel]![endIndex]!) [endIndex, endLabel] = [i, label]
  if (!(score[endLabel]![endIndex]! > 0)) return []
  const chain: { peak: Peak; label: 0 | 1 }[] = []
  for (let i = endIndex, label = endLabel; i >= 0;) {
    chain.push({ peak: peaks[i]!, label: label as 0 | 1 })
    const j = from[label]![i]!
    label = fromLabel[label]![i]!
    i = j
  }
  return chain.reverse()
}

/**
 * S1 and S2 onsets, intervals and irregularity of one window (typically 5 s at 4 kHz).
 * `classicalAcf`, when given, must be `envelopeAutocorrelation(window, sampleRateHz, 60 / 30)`
 * with the shipped classical tuning — what `estimateHrClassical` computes with its defaults — so
 * a caller running both computes that envelope once.
 */
export function detectBeats(
  window: Float32Array,
  sampleRateHz: number,
  tuning: Readonly<BeatDetectionTuning> = BEAT_DETECTION_TUNING,
  classicalAcf?: EnvelopeAutocorrelation,
): BeatAnalysis {
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz))
    throw new InvalidArgumentError(`sampleRateHz: must be positive and finite, got ${sampleRateHz}`)
  const empty = noBeats()
  // Two beats at the slowest rate are needed for a period.
  if (window.length < (2 * 60 * sampleRateHz) / MAX_BPM || sampleRateHz < 900) return empty

  const { acf, envelopeRateHz: acfRateHz } = classicalAcf ?? envelopeAutocorrelation(window, sampleRateHz, 60 / MIN_BPM)
  const acfLength = Math.floor(((window.length - 1) * acfRateHz) / sampleRateHz) + 1
  const picked = pickBeatLag(acf, acfLength, acfRateHz, (60 / MAX_BPM) * acfRateHz, (60 / MIN_BPM) * acfRateHz, CLASSICAL_HR_TUNING)
  if (!(picked.lag > 0)) return empty
  const beatS = picked.lag / acfRateHz

  const rateHz = tuning.envelopeRateHz
  const { envelope } = pcgEnvelope(window, sampleRateHz, {
    envelopeRateHz: rateHz,
    lowpassHz: tuning.envelopeLowpassHz,
    bandHighHz: Math.min(400, 0.45 * sampleRateHz),
  })
  const systoleS = systoleFromAcf(envelope, rateHz, beatS)
  const diastoleS = Math.max(0.1, beatS - systoleS)
  const peaks = localPeaks(envelope, tuning.minPeakZ)
  if (peaks.length === 0) return { ...empty, beatPeriodS: beatS, systoleS }

  const durations: Durations = {
    systoleS,
    diastoleS,
    beatS,
    sigmaSys: tuning.systoleSigmaRelative * systoleS + tuning.sigmaAbsoluteS,
    sigmaDia: tuning.diastoleSigmaRelative * diastoleS + tuning.sigmaAbsoluteS,
    sigmaBeat: tuning.diastoleSigmaRelative * beatS + tuning.sigmaAbsoluteS,
  }
  // The best chain may not span the window (a noisy stretch breaks it): the stretches it leaves
  // before and after get their own chains.
  const chosen: { peak: Peak; label: 0 | 1 }[] = []
  const margin = Math.round(tuning.chainMarginS * rateHz)
  const spans: [number, number][] = [[0, envelope.length]]
  while (spans.length > 0) {
    const [lo, hi] = spans.pop()!
    const inside = peaks.filter((p) => p.index >= lo && p.index < hi)
    if (inside.length === 0 || (hi - lo) / rateHz < tuning.minSpanBeats * beatS) continue
    const chain = bestChain(inside, rateHz, durations, tuning)
    if (chain.length === 0) continue
    chosen.push(...chain)
    spans.push([lo, chain[0]!.peak.index - margin], [chain[chain.length - 1]!.peak.index + margin, hi])
  }
  chosen.sort((a, b) => a.peak.index - b.peak.index)
  if (tuning.pitchSwapMargin < Infinity && Math.abs(diastoleS - systoleS) < tuning.ambiguousTimingS) {
    // Systole and diastole too alike to tell S1 from S2 by timing (fast hearts): S2 (valve
    // closure of the great arteries) is the higher-pitched sound. If the sounds labelled S1 are
    // clearly the higher-pitched ones, the labels are the wrong way round.
    const pitch = soundPitch(
      window,
      sampleRateHz,
      chosen.map((c) => c.peak.index / rateHz),
    )
    let s1Sum = 0
    let s1Count = 0
    let s2Sum = 0
    let s2Count = 0
    chosen.forEach((c, k) => {
      if (c.label === 0) {
        s1Sum += pitch[k]!
        s1Count++
      } else {
        s2Sum += pitch[k]!
        s2Count++
      }
    })
    // The chain's own intervals, peak to peak, may still tell systole (shorter) from diastole.
    let sys = 0
    let sysCount = 0
    let dia = 0
    let diaCount = 0
    for (let k = 1; k < chosen.length; k++) {
      const dt = (chosen[k]!.peak.index - chosen[k - 1]!.peak.index) / rateHz
      if (chosen[k - 1]!.label === 0 && chosen[k]!.label === 1) {
        sys += dt
        sysCount++
      } else if (chosen[k - 1]!.label === 1 && chosen[k]!.label === 0) {
        dia += dt
        diaCount++
      }
    }
    const timingSaysS = sysCount > 0 && diaCount > 0 ? dia / diaCount - sys / sysCount : 0
    const swap =
      Math.abs(timingSaysS) > tuning.measuredTimingS
        ? timingSaysS < 0
        : s1Count > 0 && s2Count > 0 && s1Sum / s1Count > s2Sum / s2Count + tuning.pitchSwapMargin
    if (swap) for (const c of chosen) c.label = c.label === 0 ? 1 : 0
  }

  // Onsets from a sharper envelope: the smooth one finds the sounds, this one times them.
  const onsetRateHz = tuning.onsetEnvelopeRateHz
  // The shipped tuning asks for the same envelope twice: reuse it rather than compute it again.
  const sameEnvelope = onsetRateHz === rateHz && tuning.onsetLowpassHz === tuning.envelopeLowpassHz
  const sharp = sameEnvelope
    ? envelope
    : pcgEnvelope(window, sampleRateHz, {
        envelopeRateHz: onsetRateHz,
        lowpassHz: tuning.onsetLowpassHz,
        bandHighHz: Math.min(400, 0.45 * sampleRateHz),
      }).envelope
  const maxLead = Math.round(tuning.maxOnsetLeadS * onsetRateHz)
  const search = Math.round(0.06 * onsetRateHz)
  const s1: number[] = []
  const s2: number[] = []
  for (const { peak, label } of chosen) {
    const centre = Math.round((peak.index * onsetRateHz) / rateHz)
    let top = centre
    for (let k = Math.max(0, centre - search); k <= Math.min(sharp.length - 1, centre + search); k++) if (sharp[k]! > sharp[top]!) top = k
    const onsetS = onsetIndex(sharp, top, tuning.onsetFraction, maxLead) / onsetRateHz
    ;(label === 0 ? s1 : s2).push(onsetS)
  }
  const intervalsS: number[] = []
  // Only intervals between consecutive beats: a gap over 1.5 beats hides a missed one.
  for (let k = 1; k < s1.length; k++) {
    const d = s1[k]! - s1[k - 1]!
    if (d < 1.5 * beatS) intervalsS.push(d)
  }
  return beatAnalysis(s1, s2, intervalsS, beatS, systoleS, tuning.irregularCv)
}
