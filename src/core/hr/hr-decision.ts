/**
 * The one place that decides which heart rate the screen shows for a window, or why it shows none
 * (issue 15). The live monitor, `ausculta analyze` and `ausculta eval` all feed it the same
 * evidence, window after window as a stream would arrive:
 *
 * 1. no signal (silence, contact lost) → none;
 * 2. the model's no-HR head says there is no heart sound → none ("no heart sound detected");
 * 3. (clipping is not a reason on its own: the model was trained on clipped audio, and the screen
 *    shows the CLIPPING flag beside the number; a clipped window that is unsure fails step 4);
 * 4. the production head's distribution, tempered by the calibration's temperature, gives the
 *    window's HR and its raw confidence (mass within ±5 bpm); times (1 − no-HR probability) and
 *    mapped through the isotonic calibration it is P(|error| ≤ 5 bpm), fitted on validation
 *    patients (docs/hr-decision.md). Below the threshold → none ("low confidence");
 * 5. a window far from the rate shown a moment ago is not shown until the next window confirms it
 *    ("check": one window cannot jump 56 → 111 → 56);
 * 6. when the model is not sure enough on its own (below `crossCheckBelowConfidence`) and the HR
 *    from the segmentation head's own S1 onsets (the label's definition) and the classical
 *    estimator both disagree with it, or too few encoder layers agree → "check";
 * 7. otherwise the tracked HR (a forward pass over the posteriors, `hr-tracker.ts`) is shown
 *    with its calibrated confidence.
 *
 * Without a model (classical estimator only) steps 2, 4 and 6 are skipped and the classical
 * estimator's own quality gate stands in for the confidence. Pure; no I/O.
 */
import { MIN_S1_ONSETS } from '../circor/protocol-windows'
import { InvalidArgumentError } from '../errors'
import { decodeHrDistribution, hrBinCount, type HrBins } from '../model/hr-distribution'
import type { DisplayCalibration } from '../model/model-card'
import type { DisplayState, SignalQualityFlag } from '../monitor/monitor-events'
import { HrTracker } from './hr-tracker'

export type { DisplayCalibration }

export type DecisionCode =
  'shown' | 'no-signal' | 'contact-lost' | 'no-heart' | 'low-confidence' | 'sudden-change' | 'disagreement' | 'no-estimate'

/** Used when a model card has no fitted `display` block: conservative, stated in the UI's reason texts. */
export const DEFAULT_DISPLAY_CALIBRATION: DisplayCalibration = {
  temperature: 1,
  isotonic: { x: [0, 1], y: [0, 1] },
  minConfidence: 0.5,
  maxNoHrProb: 0.5,
  toleranceBpm: 5,
  toleranceShare: 0.06,
  minLayerAgreement: 0,
  crossCheckBelowConfidence: 2,
  confirmWindows: 2,
  jumpMemoryWindows: 3,
  tracker: { stepSigmaBpm: 4, jumpProbability: 0.02 },
}

export interface WindowEvidence {
  /** The production head's distribution over the card's bins; null without a model. */
  productionProbs: ArrayLike<number> | null
  /** The model's no-HR probability; null when the model has no such output. */
  noHrProb: number | null
  /** Every encoder layer's HR estimate (empty without a model). */
  layerBpm: number[]
  /** S1 onsets (seconds) decoded from the segmentation head; null when it did not run. */
  s1OnsetsS: number[] | null
  classicalBpm: number | null
  flags: SignalQualityFlag[]
}

export interface HrDecision {
  /** The number to show; null when none may be shown. */
  hrBpm: number | null
  state: DisplayState
  code: DecisionCode
  /** Why no number is shown (or what to check), in words a nurse understands. */
  reason?: string
  /** Calibrated P(|error| ≤ 5 bpm) of this window's estimate, in [0, 1]. */
  confidence: number
  /** This window's own estimates, for diagnostics and evaluation. */
  windowBpm: number | null
  beatsBpm: number | null
}

const FLAG_REASONS = {
  silence: 'no signal: place the chestpiece on the chest',
  'contact-lost': 'contact lost: the chestpiece was lifted',
  clipping: 'input too loud (clipping): lower the input gain',
} as const

/** HR from S1 onsets by the protocol's rule (60 / mean S1–S1 interval), null below 3 onsets. */
export function hrFromOnsets(onsetsS: readonly number[]): number | null {
  if (onsetsS.length < MIN_S1_ONSETS) return null
  const span = (onsetsS[onsetsS.length - 1] as number) - (onsetsS[0] as number)
  return span > 0 ? (60 * (onsetsS.length - 1)) / span : null
}

/** Piecewise-linear interpolation through the isotonic knots, clamped at both ends. */
export function applyIsotonic(map: { x: number[]; y: number[] }, score: number): number {
  const { x, y } = map
  if (x.length === 0) return score
  if (score <= (x[0] as number)) return y[0] as number
  const last = x.length - 1
  if (score >= (x[last] as number)) return y[last] as number
  let lo = 0
  let hi = last
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((x[mid] as number) <= score) lo = mid
    else hi = mid
  }
  const x0 = x[lo] as number
  const x1 = x[hi] as number
  const t = x1 > x0 ? (score - x0) / (x1 - x0) : 0
  return (y[lo] as number) + t * ((y[hi] as number) - (y[lo] as number))
}

/** p^(1/T), renormalised. */
export function temper(probs: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(probs.length)
  const power = 1 / temperature
  let sum = 0
  for (let i = 0; i < probs.length; i++) sum += out[i] = Math.max(0, probs[i] as number) ** power
  if (!(sum > 0)) throw new InvalidArgumentError('HR distribution has no positive mass')
  for (let i = 0; i < out.length; i++) (out[i] as number) /= sum
  return out
}

export function validateCalibration(c: DisplayCalibration): void {
  const bad = (field: string, value: unknown, want: string): never => {
    throw new InvalidArgumentError(`display calibration: ${field} must be ${want}, got ${JSON.stringify(value)}`)
  }
  if (!(c.temperature > 0)) bad('temperature', c.temperature, '> 0')
  if (c.isotonic.x.length !== c.isotonic.y.length || c.isotonic.x.length < 2) bad('isotonic', c.isotonic, 'two arrays of equal length ≥ 2')
  for (let i = 1; i < c.isotonic.x.length; i++) {
    if (
      !((c.isotonic.x[i] as number) >= (c.isotonic.x[i - 1] as number)) ||
      !((c.isotonic.y[i] as number) >= (c.isotonic.y[i - 1] as number))
    )
      bad('isotonic', c.isotonic, 'non-decreasing')
  }
  if (!(c.minConfidence >= 0 && c.minConfidence <= 1)) bad('minConfidence', c.minConfidence, 'in [0, 1]')
  if (!(c.maxNoHrProb > 0 && c.maxNoHrProb <= 1)) bad('maxNoHrProb', c.maxNoHrProb, 'in (0, 1]')
  if (!(c.toleranceBpm > 0) || !(c.toleranceShare >= 0)) bad('tolerance', [c.toleranceBpm, c.toleranceShare], 'positive')
  if (!(c.minLayerAgreement >= 0 && c.minLayerAgreement <= 1)) bad('minLayerAgreement', c.minLayerAgreement, 'in [0, 1]')
  if (!(Number.isInteger(c.confirmWindows) && c.confirmWindows >= 1)) bad('confirmWindows', c.confirmWindows, 'an integer ≥ 1')
  if (!(Number.isInteger(c.jumpMemoryWindows) && c.jumpMemoryWindows >= 1)) bad('jumpMemoryWindows', c.jumpMemoryWindows, 'an integer ≥ 1')
}

export class HrDecider {
  private readonly tracker: HrTracker
  private lastShownBpm: number | null = null
  private windowsSinceShown = Number.POSITIVE_INFINITY
  private candidate: { bpm: number; count: number } | null = null

  /** `bins` null: no model, the classical estimator alone. */
  constructor(
    private readonly bins: HrBins | null,
    private readonly calibration: DisplayCalibration = DEFAULT_DISPLAY_CALIBRATION,
  ) {
    validateCalibration(calibration)
    this.tracker = new HrTracker(bins ?? { minBpm: 30, maxBpm: 240, stepBpm: 1 }, calibration.tracker)
  }

  reset(): void {
    this.tracker.reset()
    this.lastShownBpm = null
    this.windowsSinceShown = Number.POSITIVE_INFINITY
    this.candidate = null
  }

  decide(evidence: WindowEvidence): HrDecision {
    this.windowsSinceShown++
    const beatsBpm = evidence.s1OnsetsS ? hrFromOnsets(evidence.s1OnsetsS) : null
    const none = (
      state: DisplayState,
      code: DecisionCode,
      reason: string,
      confidence = 0,
      windowBpm: number | null = null,
    ): HrDecision => ({ hrBpm: null, state, code, reason, confidence, windowBpm, beatsBpm })

    for (const flag of ['silence', 'contact-lost'] as const) {
      if (evidence.flags.includes(flag)) {
        this.forgetTrack()
        return none('no-signal', flag === 'silence' ? 'no-signal' : 'contact-lost', FLAG_REASONS[flag])
      }
    }
    const c = this.calibration
    if (evidence.noHrProb !== null && evidence.noHrProb >= c.maxNoHrProb) {
      this.forgetTrack()
      return none('no-signal', 'no-heart', 'no heart sound detected (only noise, speech or hum)')
    }

    let windowBpm: number | null
    let confidence: number
    let likelihood: Float64Array | null = null
    if (evidence.productionProbs !== null && this.bins !== null) {
      if (evidence.productionProbs.length !== hrBinCount(this.bins)) {
        throw new InvalidArgumentError(
          `production distribution has ${evidence.productionProbs.length} bins, the model card ${hrBinCount(this.bins)}`,
        )
      }
      likelihood = temper(evidence.productionProbs, c.temperature)
      const estimate = decodeHrDistribution(likelihood, this.bins)
      windowBpm = estimate.hrBpm
      confidence = applyIsotonic(c.isotonic, estimate.confidence * (1 - (evidence.noHrProb ?? 0)))
    } else {
      // Classical only: its own quality gate already returned null for unusable windows.
      windowBpm = evidence.classicalBpm
      confidence = windowBpm === null ? 0 : 1
    }

    const flagged = evidence.flags.includes('clipping')
      ? FLAG_REASONS.clipping
      : evidence.flags.includes('noise')
        ? 'noise or movement'
        : null
    if (windowBpm === null) return none('unreliable', 'no-estimate', flagged ?? 'no heart rate found in this window', 0, null)
    if (confidence < c.minConfidence) {
      const why = flagged ?? `low confidence (${Math.round(confidence * 100)} %)`
      return none('unreliable', 'low-confidence', why, confidence, windowBpm)
    }

    // 5. One window may not move the number far: wait for the next to confirm it.
    const recent = this.lastShownBpm !== null && this.windowsSinceShown <= c.jumpMemoryWindows
    if (recent && !this.agree(windowBpm, this.lastShownBpm as number)) {
      if (this.candidate && this.agree(windowBpm, this.candidate.bpm)) this.candidate.count++
      else this.candidate = { bpm: windowBpm, count: 1 }
      if (this.candidate.count < c.confirmWindows) {
        return none(
          'check',
          'sudden-change',
          `Checking: the rate jumped from ${Math.round(this.lastShownBpm as number)} to ${Math.round(windowBpm)} bpm`,
          confidence,
          windowBpm,
        )
      }
      this.tracker.reset() // a confirmed change: the old track no longer applies
    }

    // 6. Cross-checks against the independent estimators and the layers, where the model is not
    // sure enough on its own (beats and the classical estimator double slow hearts with extra sounds).
    if (likelihood !== null && confidence < c.crossCheckBelowConfidence) {
      const beatsDisagree = beatsBpm !== null && !this.agree(beatsBpm, windowBpm)
      const classicalDisagrees = evidence.classicalBpm === null || !this.agree(evidence.classicalBpm, windowBpm)
      if (beatsDisagree && classicalDisagrees) {
        return none(
          'check',
          'disagreement',
          `Check: estimates disagree (model ${Math.round(windowBpm)}, beats ${Math.round(beatsBpm as number)} bpm)`,
          confidence,
          windowBpm,
        )
      }
      if (c.minLayerAgreement > 0 && evidence.layerBpm.length > 0) {
        const agreeing = evidence.layerBpm.filter((bpm) => this.agree(bpm, windowBpm as number)).length / evidence.layerBpm.length
        if (agreeing < c.minLayerAgreement) {
          return none(
            'check',
            'disagreement',
            `Check: the encoder's layers disagree (${Math.round(agreeing * 100)} % agree)`,
            confidence,
            windowBpm,
          )
        }
      }
    }

    const shown = likelihood !== null ? this.tracker.update(likelihood).hrBpm : windowBpm
    this.candidate = null
    this.lastShownBpm = shown
    this.windowsSinceShown = 0
    return { hrBpm: shown, state: 'reliable', code: 'shown', confidence, windowBpm, beatsBpm }
  }

  private agree(a: number, b: number): boolean {
    return Math.abs(a - b) <= Math.max(this.calibration.toleranceBpm, this.calibration.toleranceShare * Math.max(a, b))
  }

  /** No heart in this window: the next heart sound starts a new track, with no jump guard. */
  private forgetTrack(): void {
    this.tracker.reset()
    this.lastShownBpm = null
    this.windowsSinceShown = Number.POSITIVE_INFINITY
    this.candidate = null
  }
}
