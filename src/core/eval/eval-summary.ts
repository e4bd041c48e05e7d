/**
 * Turns per-window evaluation records into the tables `ausculta eval` prints: the production head,
 * every layer's head and the classical estimator, overall and broken down by location, age group
 * and murmur status, and by the model's confidence (MAE of the most confident 50 / 80 / 100 %).
 */
import { hrMetrics, type HrMetrics } from '../metrics/hr-metrics'
import { addCounts, onsetScores, ZERO_COUNTS, type OnsetCounts, type OnsetScores } from './onset-scoring'

export interface EvalWindowRecord {
  recordingId: string
  patientId: string
  location: string
  ageGroup: string | null
  murmur: string | null
  startS: number
  referenceBpm: number
  production: { hrBpm: number; confidence: number } | null
  layers: Array<{ hrBpm: number; confidence: number }>
  classical: { hrBpm: number | null; quality: number }
  /** S1/S2 onset matches of the envelope beat detector in this window (±50 ms), when it was run. */
  onsets?: { s1: OnsetCounts; s2: OnsetCounts }
  /** The same for the onsets decoded from the model's segmentation head, when the model has one. */
  modelOnsets?: { s1: OnsetCounts; s2: OnsetCounts }
}

export interface EstimatorRow {
  estimator: string
  metrics: HrMetrics
}

export interface BreakdownRow {
  group: string
  value: string
  production: HrMetrics | null
  classical: HrMetrics
}

export interface ConfidenceRow {
  /** Share of windows kept, the most confident first. */
  keptShare: number
  minConfidence: number
  metrics: HrMetrics
}

export interface EvalSummary {
  windows: number
  recordings: number
  patients: number
  estimators: EstimatorRow[]
  breakdowns: BreakdownRow[]
  confidence: ConfidenceRow[]
  /** Same rows for the classical estimator, ranked by its quality score. */
  classicalQuality: ConfidenceRow[]
  /** Envelope beat detector's S1/S2 onset precision, recall and F1 over the windows that have them. */
  onsets?: OnsetSummary
  /** The same for the model's segmentation head (what the live monitor shows when the model has one). */
  modelOnsets?: OnsetSummary
}

export interface OnsetSummary {
  windows: number
  s1: OnsetScores
  s2: OnsetScores
}

function onsetSummary(records: EvalWindowRecord[], pick: (record: EvalWindowRecord) => EvalWindowRecord['onsets']): OnsetSummary | undefined {
  const scored = records.map(pick).filter((counts) => counts !== undefined)
  if (scored.length === 0) return undefined
  let s1: OnsetCounts = ZERO_COUNTS
  let s2: OnsetCounts = ZERO_COUNTS
  for (const counts of scored) {
    s1 = addCounts(s1, counts.s1)
    s2 = addCounts(s2, counts.s2)
  }
  return { windows: scored.length, s1: onsetScores(s1), s2: onsetScores(s2) }
}

export const CONFIDENCE_SHARES = [0.5, 0.8, 1] as const

function byConfidence<T>(records: T[], score: (record: T) => number, pair: (record: T) => { referenceBpm: number; estimatedBpm: number | null }): ConfidenceRow[] {
  const ranked = [...records].sort((a, b) => score(b) - score(a))
  return CONFIDENCE_SHARES.map((share) => {
    const kept = ranked.slice(0, Math.max(1, Math.round(share * ranked.length)))
    return { keptShare: share, minConfidence: kept.length > 0 ? score(kept[kept.length - 1] as T) : Number.NaN, metrics: hrMetrics(kept.map(pair)) }
  })
}

export function summariseEval(records: EvalWindowRecord[], layerNames: string[]): EvalSummary {
  const withModel = records.filter((record) => record.production !== null)
  const estimators: EstimatorRow[] = []
  if (withModel.length > 0) {
    estimators.push({ estimator: 'production', metrics: hrMetrics(withModel.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.production?.hrBpm ?? null }))) })
    layerNames.forEach((name, index) => {
      estimators.push({ estimator: `layer ${index}: ${name}`, metrics: hrMetrics(withModel.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.layers[index]?.hrBpm ?? null }))) })
    })
  }
  estimators.push({ estimator: 'classical', metrics: hrMetrics(records.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.classical.hrBpm }))) })

  const groups: Array<[string, (record: EvalWindowRecord) => string]> = [
    ['location', (r) => r.location],
    ['age group', (r) => r.ageGroup ?? 'not given (adult)'],
    ['murmur', (r) => r.murmur ?? 'not given'],
  ]
  const breakdowns: BreakdownRow[] = []
  for (const [group, key] of groups) {
    const values = [...new Set(records.map(key))].sort()
    for (const value of values) {
      const subset = records.filter((record) => key(record) === value)
      const modelSubset = subset.filter((record) => record.production !== null)
      breakdowns.push({
        group,
        value,
        production: modelSubset.length > 0 ? hrMetrics(modelSubset.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.production?.hrBpm ?? null }))) : null,
        classical: hrMetrics(subset.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.classical.hrBpm }))),
      })
    }
  }
  const onsets = onsetSummary(records, (r) => r.onsets)
  const modelOnsets = onsetSummary(records, (r) => r.modelOnsets)
  return {
    windows: records.length,
    recordings: new Set(records.map((r) => r.recordingId)).size,
    patients: new Set(records.map((r) => r.patientId)).size,
    estimators,
    breakdowns,
    confidence:
      withModel.length > 0
        ? byConfidence(withModel, (r) => r.production?.confidence ?? 0, (r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.production?.hrBpm ?? null }))
        : [],
    classicalQuality: byConfidence(
      records.filter((r) => r.classical.hrBpm !== null),
      (r) => r.classical.quality,
      (r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.classical.hrBpm }),
    ),
    ...(onsets ? { onsets } : {}),
    ...(modelOnsets ? { modelOnsets } : {}),
  }
}
