/**
 * Protocol windows and their reference labels, docs/hr-protocol.md steps 2–3, exactly:
 * 5.0-s windows starting at each annotated run's start and every 1.0 s after, each wholly inside
 * the run and inside the audio; the label is the S1 onsets with start ≤ onset < start + 5 and
 * HR = 60 / mean(diff(onsets)); fewer than 3 onsets → no label (`hrBpm: null`).
 * Every comparison allows TIME_EPSILON_S (1e-9 s, see segmentation-tsv.ts) so that, e.g., a run
 * ending exactly at start + 5 keeps its last window despite binary rounding. The arithmetic
 * (start = runStart + k·hop, sum of diffs / count) follows protocol.py so both agree to 1e-9.
 */
import { InvalidArgumentError } from '../errors'
import { annotatedRuns, s1OnsetsS, type AnnotatedRun } from './annotated-runs'
import { TIME_EPSILON_S, type SegmentRow } from './segmentation-tsv'

export const PROTOCOL_WINDOW_S = 5.0
export const PROTOCOL_HOP_S = 1.0
export const MIN_S1_ONSETS = 3

export interface ProtocolWindow {
  readonly startS: number
  /** Reference HR from the S1 onsets; null when fewer than 3 onsets lie in the window. */
  readonly hrBpm: number | null
  /** S1 onsets with startS ≤ onset < startS + 5. */
  readonly s1Count: number
  readonly s1OnsetsS: readonly number[]
}

/** HR label of one window from the onsets of its run: null below 3 onsets. */
export function windowLabel(
  onsetsS: readonly number[],
  startS: number,
  windowS = PROTOCOL_WINDOW_S,
): { hrBpm: number | null; s1OnsetsS: number[] } {
  const inside = onsetsS
    .filter((onset) => onset >= startS - TIME_EPSILON_S && onset < startS + windowS - TIME_EPSILON_S)
    .sort((a, b) => a - b)
  if (inside.length < MIN_S1_ONSETS) return { hrBpm: null, s1OnsetsS: inside }
  let sumDiffS = 0
  for (let i = 1; i < inside.length; i++) sumDiffS += (inside[i] as number) - (inside[i - 1] as number)
  const meanDiffS = sumDiffS / (inside.length - 1)
  // Two S1 rows at the same instant would give an infinite HR: no label rather than a wrong one.
  if (meanDiffS <= TIME_EPSILON_S) return { hrBpm: null, s1OnsetsS: inside }
  return { hrBpm: 60 / meanDiffS, s1OnsetsS: inside }
}

/** All windows of one run that fit in it and in `audioDurationS`. */
export function runWindows(
  run: AnnotatedRun,
  audioDurationS: number,
  windowS = PROTOCOL_WINDOW_S,
  hopS = PROTOCOL_HOP_S,
): ProtocolWindow[] {
  const onsets = s1OnsetsS(run)
  const windows: ProtocolWindow[] = []
  for (let k = 0; ; k++) {
    const startS = run.startS + k * hopS
    const endS = startS + windowS
    if (endS > run.endS + TIME_EPSILON_S || endS > audioDurationS + TIME_EPSILON_S) break
    const label = windowLabel(onsets, startS, windowS)
    windows.push({ startS, hrBpm: label.hrBpm, s1Count: label.s1OnsetsS.length, s1OnsetsS: label.s1OnsetsS })
  }
  return windows
}

/**
 * Every protocol window of a recording (labelled or not), run by run. `audioDurationS` is the
 * WAV's frames / rate. Window and hop are parameters only for the CLI's exploratory options;
 * the protocol is 5 s / 1 s.
 */
export function protocolWindows(
  rows: readonly SegmentRow[],
  audioDurationS: number,
  options: { windowS?: number; hopS?: number } = {},
): ProtocolWindow[] {
  const windowS = options.windowS ?? PROTOCOL_WINDOW_S
  const hopS = options.hopS ?? PROTOCOL_HOP_S
  if (!(audioDurationS >= 0)) throw new InvalidArgumentError(`audioDurationS must be ≥ 0, got ${audioDurationS}`)
  if (!(windowS > 0) || !Number.isFinite(windowS)) throw new InvalidArgumentError(`windowS must be > 0, got ${windowS}`)
  if (!(hopS > 0) || !Number.isFinite(hopS)) throw new InvalidArgumentError(`hopS must be > 0, got ${hopS}`)
  return annotatedRuns(rows).flatMap((run) => runWindows(run, audioDurationS, windowS, hopS))
}

/** Only the windows that carry a reference HR. */
export function labelledWindows(windows: readonly ProtocolWindow[]): (ProtocolWindow & { hrBpm: number })[] {
  return windows.filter((window): window is ProtocolWindow & { hrBpm: number } => window.hrBpm !== null)
}
