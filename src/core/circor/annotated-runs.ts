/**
 * Annotated runs (docs/hr-protocol.md step 1): maximal sequences of label 1–4 rows in which each row
 * starts at most 10 ms after the previous row ends (overlaps are fine) and no label-0 row
 * intervenes. Only inside a run do the S1 onsets describe every beat, so only there can a window
 * be labelled.
 */
import { TIME_EPSILON_S, type SegmentRow } from './segmentation-tsv'

/** Largest gap (s) between one row's end and the next row's start that still continues a run. */
export const MAX_RUN_GAP_S = 0.01

export interface AnnotatedRun {
  readonly startS: number
  /** End of the run's last row (as protocol.py: the last row, not the largest end). */
  readonly endS: number
  readonly rows: readonly SegmentRow[]
}

/** Splits rows (sorted by start, as `parseSegmentationTsv` returns them) into annotated runs. */
export function annotatedRuns(rows: readonly SegmentRow[]): AnnotatedRun[] {
  const runs: { startS: number; endS: number; rows: SegmentRow[] }[] = []
  let current: { startS: number; endS: number; rows: SegmentRow[] } | null = null
  for (const row of rows) {
    if (row.label === 0) {
      current = null
      continue
    }
    if (current !== null && row.startS - current.endS <= MAX_RUN_GAP_S + TIME_EPSILON_S) {
      current.rows.push(row)
      current.endS = row.endS
    } else {
      current = { startS: row.startS, endS: row.endS, rows: [row] }
      runs.push(current)
    }
  }
  return runs
}

/** Starts of the S1 rows (label 1) of a run, in row order. */
export function s1OnsetsS(run: AnnotatedRun): number[] {
  return run.rows.filter((row) => row.label === 1).map((row) => row.startS)
}
