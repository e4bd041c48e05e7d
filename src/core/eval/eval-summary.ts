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
  /** The model's no-HR probability for the window (null: no such output). */
  noHrProb?: number | null
  /** What the screen would show for the window had the recording been streamed from its start
   * (src/core/hr/hr-decision.ts): hrBpm null = no number shown (counted as declined). */
  displayed?: { hrBpm: number | null; code: string; confidence: number }
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
  /** The displayed HR (declined = no number shown), when the records carry it. */
  displayed?: HrMetrics
}

export interface ConfidenceRow {
  /** Share of windows kept, the most confident first. */
  keptShare: number
  minConfidence: number
  metrics: HrMetrics
}

/** Reference-HR bands of issue 15 (slow hearts are where the old model failed). */
export const HR_BANDS: ReadonlyArray<{ label: string; minBpm: number; maxBpm: number }> = [
  { label: '< 60', minBpm: 0, maxBpm: 60 },
  { label: '60–70', minBpm: 60, maxBpm: 70 },
  { label: '70–80', minBpm: 70, maxBpm: 80 },
  { label: '80–100', minBpm: 80, maxBpm: 100 },
  { label: '100–120', minBpm: 100, maxBpm: 120 },
  { label: '≥ 120', minBpm: 120, maxBpm: Number.POSITIVE_INFINITY },
]

export function hrBandOf(referenceBpm: number): string {
  return (HR_BANDS.find((band) => referenceBpm >= band.minBpm && referenceBpm < band.maxBpm) ?? HR_BANDS[HR_BANDS.length - 1]!).label
}

/** One bin of the reliability diagram: windows whose calibrated confidence falls in [lo, hi). */
export interface CalibrationRow {
  lo: number
  hi: number
  windows: number
  meanConfidence: number
  /** Observed share of those windows whose estimate is within 5 bpm of the reference. */
  within5Share: number
}

export interface DisplayedSummary {
  /** Share of labelled windows with a number shown. */
  answeredShare: number
  /** Share of shown numbers off by more than 5 / 10 bpm. */
  off5Share: number
  off10Share: number
  /** Windows withheld, by decision code. */
  withheld: Record<string, number>
  /** Expected calibration error of the displayed confidence against |error| ≤ 5 bpm, over all labelled windows with a model estimate. */
  ece: number
  calibration: CalibrationRow[]
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
  /** The displayed HR's answer rate, tails and calibration (when the records carry it). */
  displayed?: DisplayedSummary
}

export interface OnsetSummary {
  windows: number
  s1: OnsetScores
  s2: OnsetScores
}

function onsetSummary(
  records: EvalWindowRecord[],
  pick: (record: EvalWindowRecord) => EvalWindowRecord['onsets'],
): OnsetSummary | undefined {
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

function byConfidence<T>(
  records: T[],
  score: (record: T) => number,
  pair: (record: T) => { referenceBpm: number; estimatedBpm: number | null },
): ConfidenceRow[] {
  const ranked = [...records].sort((a, b) => score(b) - score(a))
  return CONFIDENCE_SHARES.map((share) => {
    const kept = ranked.slice(0, Math.max(1, Math.round(share * ranked.length)))
    return {
      keptShare: share,
      minConfidence: kept.length > 0 ? score(kept[kept.length - 1] as T) : Number.NaN,
      metrics: hrMetrics(kept.map(pair)),
    }
  })
}

const CALIBRATION_EDGES = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0000001]

/** Reliability table and expected calibration error of a confidence against "within 5 bpm". */
export function calibrationTable(items: ReadonlyArray<{ confidence: number; within5: boolean }>): { rows: CalibrationRow[]; ece: number } {
  const rows: CalibrationRow[] = []
  let ece = 0
  for (let b = 0; b + 1 < CALIBRATION_EDGES.length; b++) {
    const lo = CALIBRATION_EDGES[b] as number
    const hi = CALIBRATION_EDGES[b + 1] as number
    const inBin = items.filter((item) => item.confidence >= lo && item.confidence < hi)
    if (inBin.length === 0) continue
    const meanConfidence = inBin.reduce((sum, item) => sum + item.confidence, 0) / inBin.length
    const within5Share = inBin.filter((item) => item.within5).length / inBin.length
    rows.push({ lo, hi: Math.min(1, hi), windows: inBin.length, meanConfidence, within5Share })
    ece += (inBin.length / items.length) * Math.abs(meanConfidence - within5Share)
  }
  return { rows, ece: items.length > 0 ? ece : Number.NaN }
}

function displayedSummary(records: EvalWindowRecord[]): DisplayedSummary | undefined {
  const scored = records.filter((record) => record.displayed !== undefined)
  if (scored.length === 0) return undefined
  const shown = scored.filter((record) => record.displayed?.hrBpm !== null)
  const error = (record: EvalWindowRecord): number => Math.abs((record.displayed?.hrBpm as number) - record.referenceBpm)
  const withheld: Record<string, number> = {}
  for (const record of scored)
    if (record.displayed?.hrBpm === null) withheld[record.displayed.code] = (withheld[record.displayed.code] ?? 0) + 1
  // Calibration of the confidence the screen states, judged on the window's own model estimate.
  const calibrated = scored.filter((record) => record.production !== null && record.displayed?.code !== 'no-signal')
  const { rows, ece } = calibrationTable(
    calibrated.map((record) => ({
      confidence: record.displayed?.confidence ?? 0,
      within5: Math.abs((record.production?.hrBpm as number) - record.referenceBpm) <= 5,
    })),
  )
  return {
    answeredShare: shown.length / scored.length,
    off5Share: shown.length > 0 ? shown.filter((record) => error(record) > 5).length / shown.length : Number.NaN,
    off10Share: shown.length > 0 ? shown.filter((record) => error(record) > 10).length / shown.length : Number.NaN,
    withheld,
    ece,
    calibration: rows,
  }
}

export function summariseEval(records: EvalWindowRecord[], layerNames: string[]): EvalSummary {
  const withModel = records.filter((record) => record.production !== null)
  const estimators: EstimatorRow[] = []
  if (records.some((record) => record.displayed !== undefined)) {
    estimators.push({
      estimator: 'displayed',
      metrics: hrMetrics(records.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.displayed?.hrBpm ?? null }))),
    })
  }
  if (withModel.length > 0) {
    estimators.push({
      estimator: 'production',
      metrics: hrMetrics(withModel.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.production?.hrBpm ?? null }))),
    })
    layerNames.forEach((name, index) => {
      estimators.push({
        estimator: `layer ${index}: ${name}`,
        metrics: hrMetrics(withModel.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.layers[index]?.hrBpm ?? null }))),
      })
    })
  }
  estimators.push({
    estimator: 'classical',
    metrics: hrMetrics(records.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.classical.hrBpm }))),
  })

  const groups: Array<[string, (record: EvalWindowRecord) => string]> = [
    ['reference HR (bpm)', (r) => hrBandOf(r.referenceBpm)],
    ['location', (r) => r.location],
    ['age group', (r) => r.ageGroup ?? 'not given (adult)'],
    ['murmur', (r) => r.murmur ?? 'not given'],
  ]
  const breakdowns: BreakdownRow[] = []
  const bandOrder = HR_BANDS.map((band) => band.label)
  for (const [group, key] of groups) {
    const values = [...new Set(records.map(key))].sort((a, b) =>
      bandOrder.includes(a) && bandOrder.includes(b) ? bandOrder.indexOf(a) - bandOrder.indexOf(b) : a.localeCompare(b),
    )
    for (const value of values) {
      const subset = records.filter((record) => key(record) === value)
      const modelSubset = subset.filter((record) => record.production !== null)
      breakdowns.push({
        group,
        value,
        production:
          modelSubset.length > 0
            ? hrMetrics(modelSubset.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.production?.hrBpm ?? null })))
            : null,
        classical: hrMetrics(subset.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.classical.hrBpm }))),
        ...(subset.some((r) => r.displayed !== undefined)
          ? { displayed: hrMetrics(subset.map((r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.displayed?.hrBpm ?? null }))) }
          : {}),
      })
    }
  }
  const onsets = onsetSummary(records, (r) => r.onsets)
  const modelOnsets = onsetSummary(records, (r) => r.modelOnsets)
  const displayed = displayedSummary(records)
  return {
    windows: records.length,
    recordings: new Set(records.map((r) => r.recordingId)).size,
    patients: new Set(records.map((r) => r.patientId)).size,
    estimators,
    breakdowns,
    confidence:
      withModel.length > 0
        ? byConfidence(
            withModel,
            (r) => r.production?.confidence ?? 0,
            (r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.production?.hrBpm ?? null }),
          )
        : [],
    classicalQuality: byConfidence(
      records.filter((r) => r.classical.hrBpm !== null),
      (r) => r.classical.quality,
      (r) => ({ referenceBpm: r.referenceBpm, estimatedBpm: r.classical.hrBpm }),
    ),
    ...(onsets ? { onsets } : {}),
    ...(modelOnsets ? { modelOnsets } : {}),
    ...(displayed ? { displayed } : {}),
  }
}
