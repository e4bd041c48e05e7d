/**
 * The adapter between one analysed window (the inference worker's `WindowAnalysis`) and the
 * display decision (src/core/hr/hr-decision.ts), shared by the live monitor, `ausculta analyze`
 * and `ausculta eval` so that all three show and score the same number.
 */
import { DEFAULT_DISPLAY_CALIBRATION, HrDecider, type HrDecision, type WindowEvidence } from '../../core/hr/hr-decision'
import type { ModelCard } from '../../core/model/model-card'
import type { DisplayedHr } from '../../core/monitor/monitor-events'
import type { WindowAnalysis } from './inference-protocol'

/** A decider for the loaded model (its fitted calibration, or the defaults), or for the classical estimator alone. */
export function deciderFor(card: ModelCard | null): HrDecider {
  if (card === null) return new HrDecider(null)
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
