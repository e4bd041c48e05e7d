/**
 * The adapter between one analysed window (the inference worker's `WindowAnalysis`) and the
 * display decision (src/core/hr/hr-decision.ts), shared by the live monitor, `ausculta analyze`
 * and `ausculta eval` so that all three show and score the same number.
 */
import { DEFAULT_DISPLAY_CALIBRATION, HrDecider, type HrDecision, type WindowEvidence } from '../../core/hr/hr-decision'
import type { ModelCard } from '../../core/model/model-card'
import type { DisplayedHr } from '../../core/monitor/monitor-events'
import type { WindowAnalysis } from './inference-protocol'

export interface DisplayDecider {
  decide(evidence: WindowEvidence): HrDecision
  reset(): void
}

/** The live screen without a model: the classical estimator alone is not trusted at the bedside
 * (half/double-rate errors, docs/hr-decision.md); it stays visible as the cross-check only. */
const NO_MODEL: DisplayDecider = {
  decide: (evidence) => ({
    hrBpm: null,
    state: 'unreliable',
    code: 'no-estimate',
    reason: 'no model loaded: heart rate unavailable',
    confidence: 0,
    windowBpm: evidence.classicalBpm,
    beatsBpm: null,
  }),
  reset: () => undefined,
}

/**
 * A decider for the loaded model (its fitted calibration, or the defaults). Without a model:
 * the classical estimator alone where asked for (`ausculta analyze --estimator classical`, eval
 * with `--model none`), else nothing shown (the live screen).
 */
export function deciderFor(card: ModelCard | null, withoutModel: 'classical' | 'none' = 'classical'): DisplayDecider {
  if (card === null) return withoutModel === 'classical' ? new HrDecider(null) : NO_MODEL
  return new HrDecider(card.hrBins, card.display?.calibration ?? DEFAULT_DISPLAY_CALIBRATION)
}

export function windowEvidence(analysis: WindowAnalysis): WindowEvidence {
  return {
    productionProbs: analysis.productionProbs,
    noHrProb: analysis.noHrProb,
    layerBpm: analysis.layers.map((layer) => layer.hrBpm),
    // Envelope-detector beats are the fallback's, not the model's own reading: only the head's count here.
    s1OnsetsS: analysis.beats?.source === 'segmentation' ? analysis.beats.s1OnsetsS : null,
    classicalBpm: analysis.classical.hrBpm,
    flags: analysis.flags,
  }
}

export function displayedFrom(decision: HrDecision): DisplayedHr {
  return {
    hrBpm: decision.hrBpm,
    state: decision.state,
    code: decision.code,
    confidence: decision.confidence,
    ...(decision.reason !== undefined && decision.hrBpm === null ? { reason: decision.reason } : {}),
  }
}
