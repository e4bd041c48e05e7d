/**
 * Session playback in segments, so an hours-long recording plays from any point without being
 * loaded, filtered or stretched whole. A segment is 10 s of recording (a session under 15 s is
 * one segment, the whole recording, played exactly as before segments existed). Each is read with 0.5 s before it, on which the listening
 * filter settles (the recording's own sound, or its mirror image at the very start: see
 * playback-filter.ts), and a little after it: the part that cross-fades into the next segment.
 * Pure functions; the audio-clock scheduling is in playback.svelte.ts.
 */
import { timeStretch } from '../../../core/dsp/time-stretch'
import { filterForPlayback, PLAYBACK_FILTER_LEAD_IN_S, type PlaybackFilter } from './playback-filter'
import { limitForPlayback } from './playback-limiter'

/** Recording seconds per segment. */
export const SEGMENT_S = 10
/** Read past a segment's end: its cross-fade into the next (≤ 0.04 s at 2×) and the stretcher's last frame. */
export const SEGMENT_TAIL_S = 0.15

export interface SegmentPlan {
  /** Recording time the segment plays from … */
  startS: number
  /** … and to (its buffer runs on by the cross-fade when it is not the last). */
  endS: number
  /** The last segment: it runs to the end of the recording. */
  final: boolean
  /** Frames to read: [fetchStartFrame, fetchStartFrame + fetchFrames). */
  fetchStartFrame: number
  fetchFrames: number
}

export interface SegmentSettings {
  filter: PlaybackFilter
  speed: number
  gain: number
}

/**
 * The segment holding recording time `timeS`. Segments lie on a fixed grid (0–10 s, 10–20 s, …;
 * the last one runs to the end and lasts 5–15 s), so the same moment always falls in the same
 * segment, and a recording under 15 s is a single one.
 */
export function planSegment(timeS: number, totalFrames: number, sampleRateHz: number): SegmentPlan {
  const durationS = totalFrames / sampleRateHz
  const count = Math.max(1, Math.round(durationS / SEGMENT_S))
  const index = Math.min(count - 1, Math.max(0, Math.floor(timeS / SEGMENT_S)))
  const final = index === count - 1
  const startS = index * SEGMENT_S
  const endS = final ? durationS : startS + SEGMENT_S
  const fetchStartFrame = Math.max(0, Math.round((startS - PLAYBACK_FILTER_LEAD_IN_S) * sampleRateHz))
  const fetchEndFrame = final ? totalFrames : Math.min(totalFrames, Math.round((endS + SEGMENT_TAIL_S) * sampleRateHz))
  return { startS, endS, final, fetchStartFrame, fetchFrames: Math.max(0, fetchEndFrame - fetchStartFrame) }
}

/**
 * What Web Audio plays for a segment: the read samples filtered, stretched to 1 / speed of their
 * duration, amplified and limited, then cut to [startS, endS + overlapS) of recording time (the
 * overlap is the cross-fade into the next segment; none after the last). A segment that is the
 * whole recording gives exactly the buffer the whole recording would.
 */
export function renderSegment(
  raw: Float32Array,
  plan: SegmentPlan,
  sampleRateHz: number,
  settings: SegmentSettings,
  overlapS: number,
): Float32Array {
  const filtered = filterForPlayback(raw, sampleRateHz, settings.filter)
  const stretched = settings.speed === 1 ? filtered : timeStretch(filtered, sampleRateHz, settings.speed)
  const limited = limitForPlayback(stretched, sampleRateHz, settings.gain)
  const outIndex = (timeS: number): number => Math.round((timeS * sampleRateHz - plan.fetchStartFrame) / settings.speed)
  const from = Math.max(0, Math.min(limited.length, outIndex(plan.startS)))
  const to = plan.final ? limited.length : Math.max(from, Math.min(limited.length, outIndex(plan.endS + overlapS)))
  return from === 0 && to === limited.length ? limited : limited.subarray(from, to)
}
