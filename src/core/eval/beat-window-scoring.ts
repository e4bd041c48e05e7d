/**
 * S1/S2 onset scoring of a beat detector over a recording's protocol windows (docs/hr-protocol.md):
 * each 5-s window inside an annotated run is analysed on its own, and its detections are
 * matched to the S1 (label 1) and S2 (label 3) row starts inside it.
 */
import { annotatedRuns } from '../circor/annotated-runs'
import { PROTOCOL_WINDOW_S, runWindows } from '../circor/protocol-windows'
import { TIME_EPSILON_S, type SegmentRow } from '../circor/segmentation-tsv'
import { addCounts, matchOnsets, ONSET_TOLERANCE_S, ZERO_COUNTS, type OnsetCounts } from './onset-scoring'

export interface WindowBeats {
  /** Onsets in seconds from the window's first sample. */
  s1OnsetsS: readonly number[]
  s2OnsetsS: readonly number[]
}

export type BeatDetector = (window: Float32Array, sampleRateHz: number) => WindowBeats

export interface RecordingOnsetCounts {
  windows: number
  s1: OnsetCounts
  s2: OnsetCounts
}

/** The times that fall inside the window [startS, startS + windowS), with the protocol's float slack. */
export const onsetsInside = (times: readonly number[], startS: number, windowS: number): number[] =>
  times.filter((t) => t >= startS - TIME_EPSILON_S && t < startS + windowS - TIME_EPSILON_S)

/** One protocol window of a recording with its annotated onsets (stream seconds). */
export interface ScoringWindow {
  startS: number
  samples: Float32Array
  s1ReferenceS: readonly number[]
  s2ReferenceS: readonly number[]
}

/** Every protocol window of one recording (samples at `sampleRateHz`), with its references. */
export function scoringWindows(samples: Float32Array, sampleRateHz: number, rows: readonly SegmentRow[]): ScoringWindow[] {
  const durationS = samples.length / sampleRateHz
  const out: ScoringWindow[] = []
  for (const run of annotatedRuns(rows)) {
    const s1Reference = run.rows.filter((r) => r.label === 1).map((r) => r.startS)
    const s2Reference = run.rows.filter((r) => r.label === 3).map((r) => r.startS)
    for (const window of runWindows(run, durationS)) {
      const first = Math.round(window.startS * sampleRateHz)
      const length = Math.round(PROTOCOL_WINDOW_S * sampleRateHz)
      out.push({
        startS: window.startS,
        samples: samples.subarray(first, first + length),
        s1ReferenceS: onsetsInside(s1Reference, window.startS, PROTOCOL_WINDOW_S),
        s2ReferenceS: onsetsInside(s2Reference, window.startS, PROTOCOL_WINDOW_S),
      })
    }
  }
  return out
}

/** Counts of one window's detections (onsets from the window's first sample) against its references. */
export function scoreWindow(
  window: ScoringWindow,
  beats: WindowBeats,
  toleranceS = ONSET_TOLERANCE_S,
  windowS = PROTOCOL_WINDOW_S,
): { s1: OnsetCounts; s2: OnsetCounts } {
  const shift = (t: number): number => t + window.startS
  // Detections are clipped to the window like the references (an onset interpolated a hair before 0 is dropped).
  const s1Detected = onsetsInside(beats.s1OnsetsS.map(shift), window.startS, windowS)
  const s2Detected = onsetsInside(beats.s2OnsetsS.map(shift), window.startS, windowS)
  return { s1: matchOnsets(s1Detected, window.s1ReferenceS, toleranceS), s2: matchOnsets(s2Detected, window.s2ReferenceS, toleranceS) }
}

/** Counts over every protocol window of one recording (samples at `sampleRateHz`). */
export function scoreRecordingOnsets(
  samples: Float32Array,
  sampleRateHz: number,
  rows: readonly SegmentRow[],
  detector: BeatDetector,
  toleranceS = ONSET_TOLERANCE_S,
): RecordingOnsetCounts {
  let s1: OnsetCounts = ZERO_COUNTS
  let s2: OnsetCounts = ZERO_COUNTS
  const windows = scoringWindows(samples, sampleRateHz, rows)
  for (const window of windows) {
    const counts = scoreWindow(window, detector(window.samples, sampleRateHz), toleranceS)
    s1 = addCounts(s1, counts.s1)
    s2 = addCounts(s2, counts.s2)
  }
  return { windows: windows.length, s1, s2 }
}
