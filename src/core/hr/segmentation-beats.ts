/**
 * Beats from the encoder's segmentation head: per 20-ms frame, the probability of S1, systole,
 * S2 and diastole. A Viterbi pass finds the most likely state sequence that goes round the
 * cardiac cycle in order (S1 → systole → S2 → diastole → S1 …) with a minimum stay in each
 * state, so a single noisy frame can neither skip a sound nor insert one; each entry into S1 or
 * S2 is an onset.
 *
 * Why the model rather than the envelope detector (beat-detection.ts): on the development
 * patients the encoder never trained on (test split, 782 protocol windows, 50-ms tolerance) this
 * decoder scores S1 F1 0.983 and S2 F1 0.985, the envelope detector 0.912 (models/BEATS.md).
 * The envelope detector remains the fallback when no model (or a model without the head) is
 * loaded. Known failure: a slow heart with an extra diastolic sound (84749_TV in samples/, 49 bpm)
 * is segmented as two cycles per beat — the head's posteriors themselves are confidently wrong
 * there, so neither decoding constraints nor the production HR as a prior fixed it (tried: a
 * minimum cycle of 0.7 × the production head's period lowered its S1 F1 from 0.66 to 0.42).
 */
import { InvalidArgumentError } from '../errors'
import { beatAnalysis, noBeats, type BeatAnalysis } from './beat-detection'

/** Class order of the head's output (the model card's `segmentation.classes`). */
export const SEGMENT_CLASSES = ['S1', 'systole', 'S2', 'diastole'] as const
const CLASS_COUNT = SEGMENT_CLASSES.length

export interface SegmentationDecodingTuning {
  /**
   * Fewest frames a state lasts, per class in SEGMENT_CLASSES order. 2/3/2/3 frames (40 ms sounds,
   * 60 ms systole and diastole) are below any physiological duration up to 240 bpm; on the
   * validation patients 1/1/1/1 gave S1 F1 0.972, 2/3/2/3 0.973, 3/4/3/4 0.974: the cyclic order
   * does the work, the minimum only removes one-frame flickers.
   */
  minFrames: readonly [number, number, number, number]
  /**
   * Below this mean posterior of the decoded path the window is not read as heart sounds at all.
   * Over the validation windows the 1st percentile is 0.75 (median 0.92); white noise, red noise
   * and a pure 50-Hz tone reach 0.59 at most (40 windows each), so 0.65 separates them.
   */
  minPathConfidence: number
  /** Coefficient of variation of S1→S1 intervals above which the window is flagged irregular (as the envelope detector). */
  irregularCv: number
}

export const SEGMENTATION_DECODING_TUNING: Readonly<SegmentationDecodingTuning> = {
  minFrames: [2, 3, 2, 3],
  minPathConfidence: 0.65,
  irregularCv: 0.1,
}

export interface SegmentationBeats extends BeatAnalysis {
  /** Mean posterior of the decoded state path, in [0, 1]. */
  pathConfidence: number
  /** Decoded class index (0..3) of every frame; empty when the head's output was unusable. */
  states: Uint8Array
}

interface StateSpace {
  /** Class of each expanded state. */
  classOf: Uint8Array
  /** Predecessors of each expanded state (the state itself when it may repeat). */
  predecessors: number[][]
}

function stateSpace(minFrames: readonly number[]): StateSpace {
  const first: number[] = []
  const classOf: number[] = []
  for (let c = 0; c < CLASS_COUNT; c++) {
    first.push(classOf.length)
    for (let k = 0; k < minFrames[c]!; k++) classOf.push(c)
  }
  const predecessors: number[][] = classOf.map(() => [])
  for (let c = 0; c < CLASS_COUNT; c++) {
    const start = first[c]!
    const last = start + minFrames[c]! - 1
    const previousClass = (c + CLASS_COUNT - 1) % CLASS_COUNT
    const previousLast = first[previousClass]! + minFrames[previousClass]! - 1
    predecessors[start]!.push(previousLast)
    for (let s = start + 1; s <= last; s++) predecessors[s]!.push(s - 1)
    predecessors[last]!.push(last)
  }
  return { classOf: Uint8Array.from(classOf), predecessors }
}

/** Most likely cyclic state path through frame posteriors `probs` ([frames, 4], row-major). */
export function viterbiStates(
  probs: Float32Array,
  frames: number,
  minFrames: readonly number[] = SEGMENTATION_DECODING_TUNING.minFrames,
): Uint8Array {
  const { classOf, predecessors } = stateSpace(minFrames)
  const states = classOf.length
  const logp = (t: number, c: number): number => Math.log(Math.max(probs[t * CLASS_COUNT + c]!, 1e-6))
  let score = new Float64Array(states)
  let next = new Float64Array(states)
  const back = new Int16Array(frames * states)
  for (let s = 0; s < states; s++) score[s] = logp(0, classOf[s]!)
  for (let t = 1; t < frames; t++) {
    for (let s = 0; s < states; s++) {
      let best = -Infinity
      let bestFrom = 0
      for (const p of predecessors[s]!) {
        if (score[p]! > best) {
          best = score[p]!
          bestFrom = p
        }
      }
      next[s] = best + logp(t, classOf[s]!)
      back[t * states + s] = bestFrom
    }
    ;[score, next] = [next, score]
  }
  let end = 0
  for (let s = 1; s < states; s++) if (score[s]! > score[end]!) end = s
  const path = new Uint8Array(frames)
  for (let t = frames - 1, s = end; t >= 0; t--) {
    path[t] = classOf[s]!
    s = back[t * states + s]!
  }
  return path
}

/**
 * S1/S2 onsets (seconds from the window's first sample), S1→S1 intervals and irregularity from
 * one window's segmentation posteriors. Frame j is the state at j·frameSeconds, so a state first
 * seen at frame j began between frames j−1 and j: its onset is put half a frame earlier. A sound
 * already under way at frame 0 has no onset in the window.
 */
export function beatsFromSegmentation(
  probs: Float32Array,
  frames: number,
  frameSeconds: number,
  tuning: Readonly<SegmentationDecodingTuning> = SEGMENTATION_DECODING_TUNING,
): SegmentationBeats {
  if (!Number.isInteger(frames) || frames < 2) throw new InvalidArgumentError(`frames: must be an integer ≥ 2, got ${frames}`)
  if (!(frameSeconds > 0) || !Number.isFinite(frameSeconds))
    throw new InvalidArgumentError(`frameSeconds: must be positive and finite, got ${frameSeconds}`)
  if (probs.length !== frames * CLASS_COUNT)
    throw new InvalidArgumentError(
      `probs: expected ${frames} frames × ${CLASS_COUNT} classes = ${frames * CLASS_COUNT} values, got ${probs.length}`,
    )
  const none: SegmentationBeats = { ...noBeats(), pathConfidence: 0, states: new Uint8Array(0) }
  for (let i = 0; i < probs.length; i++) if (!Number.isFinite(probs[i]!)) return none

  const states = viterbiStates(probs, frames, tuning.minFrames)
  let confidence = 0
  for (let t = 0; t < frames; t++) confidence += probs[t * CLASS_COUNT + states[t]!]!
  confidence /= frames
  if (confidence < tuning.minPathConfidence) return { ...none, pathConfidence: confidence, states }

  const s1: number[] = []
  const s2: number[] = []
  let systoleSum = 0
  let systoleCount = 0
  for (let t = 1; t < frames; t++) {
    if (states[t] === states[t - 1]) continue
    const onsetS = (t - 0.5) * frameSeconds
    if (states[t] === 0) s1.push(onsetS)
    else if (states[t] === 2) {
      s2.push(onsetS)
      const lastS1 = s1[s1.length - 1]
      if (lastS1 !== undefined) {
        systoleSum += onsetS - lastS1
        systoleCount++
      }
    }
  }
  const intervalsS: number[] = []
  for (let k = 1; k < s1.length; k++) intervalsS.push(s1[k]! - s1[k - 1]!)
  const beatPeriodS = intervalsS.length > 0 ? intervalsS.reduce((a, b) => a + b, 0) / intervalsS.length : NaN
  const systoleS = systoleCount > 0 ? systoleSum / systoleCount : NaN
  return {
    ...beatAnalysis(s1, s2, intervalsS, beatPeriodS, systoleS, tuning.irregularCv),
    pathConfidence: confidence,
    states,
  }
}
