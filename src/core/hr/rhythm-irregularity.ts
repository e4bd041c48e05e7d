/**
 * How irregular a window's rhythm is: the coefficient of variation of its S1→S1 intervals after
 * the beat-classification step of HRV artefact correction (Lipponen & Tarvainen, "A robust
 * algorithm for heart rate variability time series artefact correction using novel beat
 * classification", J Med Eng Technol 2019). Two detector errors look like arrhythmia and are not:
 *
 * - an *extra* beat: a sound taken for an S1 inside a cycle (an S2, a split sound, a knock) cuts
 *   one cycle into two short intervals that add up to about one typical cycle. On the demo
 *   recording (samples/50238_MV, a regular heart at ~70 bpm) the segmentation head reads two S2s
 *   of its last seconds as S1s, giving 0.36 + 0.58 s inside 0.86-s beats: a CV of 0.33, and an
 *   "Irregular rhythm" badge on a regular heart every time the demo loops;
 * - a *missed* beat: one interval about twice the typical one.
 *
 * Such intervals are merged (extra) or left out (missed) before the spread is measured. A real
 * irregular rhythm varies from beat to beat without its short intervals pairing up into typical
 * ones, so it keeps its spread (tests: a child's sinus arrhythmia, CirCor 49751_TV).
 */

/** Above this coefficient of variation a window's rhythm is called irregular (as beat-detection.ts's irregularCv). */
export const RHYTHM_IRREGULAR_CV = 0.1

export interface RhythmIrregularityTuning {
  /** A pair of intervals is one split cycle when each is below this share of the median… */
  splitPartMaxRatio: number
  /** …and their sum is within this share of the median from it. */
  splitSumTolerance: number
  /** An interval within this share of the median from twice the median hides a missed beat. */
  missedTolerance: number
  /** Fewest intervals (after correction) for a figure. */
  minIntervals: number
}

/**
 * 0.75 and ±15 %: the split parts seen on the demo are 0.42 and 0.67 of the median, and their sum
 * 1.09 of it; a sinus arrhythmia (CirCor 49751_TV: 0.48–0.94 s around a 0.60-s median) never
 * has two consecutive intervals under 0.45 s that add up to one cycle.
 */
export const RHYTHM_IRREGULARITY_TUNING: Readonly<RhythmIrregularityTuning> = {
  splitPartMaxRatio: 0.75,
  splitSumTolerance: 0.15,
  missedTolerance: 0.15,
  minIntervals: 3,
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The intervals with split cycles merged and missed-beat intervals left out (the order kept). */
export function correctedBeatIntervals(
  intervalsS: readonly number[],
  typicalCycleS: number | null = null,
  tuning: Readonly<RhythmIrregularityTuning> = RHYTHM_IRREGULARITY_TUNING,
): number[] {
  const finite = intervalsS.filter((v) => Number.isFinite(v) && v > 0)
  if (finite.length < 2) return finite
  const typical = typicalCycleS !== null && typicalCycleS > 0 && Number.isFinite(typicalCycleS) ? typicalCycleS : median(finite)
  const isPart = (v: number): boolean => v < tuning.splitPartMaxRatio * typical
  const out: number[] = []
  for (let i = 0; i < finite.length; i++) {
    const a = finite[i]!
    const b = finite[i + 1]
    if (b !== undefined && isPart(a) && isPart(b) && Math.abs(a + b - typical) <= tuning.splitSumTolerance * typical) {
      out.push(a + b)
      i++
    } else if ((i === 0 || i === finite.length - 1) && isPart(a)) {
      // A split part at the window's edge: its other part lies outside the window.
    } else if (Math.abs(a - 2 * typical) > tuning.missedTolerance * typical) {
      out.push(a)
    }
  }
  return out
}

function cv(values: readonly number[], minCount: number): number {
  if (values.length < minCount) return NaN
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  if (!(mean > 0)) return NaN
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length
  return Math.sqrt(variance) / mean
}

/**
 * Coefficient of variation (std / mean) of the corrected intervals; NaN below `minIntervals` of
 * them. The cycle the intervals are judged against is the window's own median interval and, when
 * given, `typicalCycleS` (the window's HR estimate, 60 / bpm): a window with several split cycles
 * has a median that is itself a split part (the demo's 0.34, 0.60, 0.36, 0.46 s… around 0.86-s
 * beats), while a detector that reads every sound of a slow heart as a beat (84749_TV) is steady
 * at its own median and not at the HR's cycle. The rhythm is as irregular as the more regular of
 * the two readings: "irregular" is claimed only when no reading of the detector's errors explains
 * the spread.
 */
export function rhythmIrregularity(
  intervalsS: readonly number[],
  typicalCycleS: number | null = null,
  tuning: Readonly<RhythmIrregularityTuning> = RHYTHM_IRREGULARITY_TUNING,
): number {
  const byMedian = cv(correctedBeatIntervals(intervalsS, null, tuning), tuning.minIntervals)
  if (typicalCycleS === null) return byMedian
  const byHr = cv(correctedBeatIntervals(intervalsS, typicalCycleS, tuning), tuning.minIntervals)
  if (Number.isNaN(byMedian)) return byHr
  if (Number.isNaN(byHr)) return byMedian
  return Math.min(byMedian, byHr)
}
