/**
 * Moving through a recording by what it holds: the next or previous beat (detected S1 onset),
 * the next or previous annotation, and a view of one beat around a time. Pure, so the keys and
 * buttons that use them are testable without a screen.
 */
import type { ApiAnnotation } from '../../../../core/api/contract'

/** Onsets closer than this to `t` count as "here", so repeated presses move on. */
const SAME_S = 0.005

/** The first onset after `t` (dir 1) or the last before it (dir -1); null at the ends. */
export function stepOnset(onsetsS: readonly number[], t: number, dir: 1 | -1): number | null {
  if (dir === 1) return onsetsS.find((o) => o > t + SAME_S) ?? null
  for (let i = onsetsS.length - 1; i >= 0; i--) if ((onsetsS[i] as number) < t - SAME_S) return onsetsS[i] as number
  return null
}

export function annotationTime(a: ApiAnnotation): number {
  return a.kind === 'marker' ? a.timeS : a.startS
}

/** The next (or previous) annotation by start time after the current one or time `t`. */
export function stepAnnotation(items: readonly ApiAnnotation[], t: number, dir: 1 | -1): ApiAnnotation | null {
  const sorted = [...items].sort((a, b) => annotationTime(a) - annotationTime(b))
  if (dir === 1) return sorted.find((a) => annotationTime(a) > t + SAME_S) ?? null
  for (let i = sorted.length - 1; i >= 0; i--)
    if (annotationTime(sorted[i] as ApiAnnotation) < t - SAME_S) return sorted[i] as ApiAnnotation
  return null
}

/** Median S1→S1 interval (s) of plausible beats (0.25–2 s: 30–240 bpm); null with fewer than two. */
export function typicalBeatS(s1OnsetsS: readonly number[]): number | null {
  const intervals: number[] = []
  for (let i = 1; i < s1OnsetsS.length; i++) {
    const d = (s1OnsetsS[i] as number) - (s1OnsetsS[i - 1] as number)
    if (d >= 0.25 && d <= 2) intervals.push(d)
  }
  if (intervals.length === 0) return null
  intervals.sort((a, b) => a - b)
  return intervals[intervals.length >> 1] as number
}

/**
 * A view of the beat that holds `t`: from a little before its S1 to a little after the next S1,
 * so both sounds and the next S1 show. Without detected beats, 1.25 s from just before `t`.
 */
export function beatView(s1OnsetsS: readonly number[], t: number, durationS: number): { startS: number; durationS: number } {
  const beat = typicalBeatS(s1OnsetsS) ?? 1
  const previous = stepOnset(s1OnsetsS, t + 2 * SAME_S, -1)
  const start = previous !== null && t - previous < beat * 1.5 ? previous : t
  const span = Math.min(durationS, beat * 1.25)
  const startS = Math.max(0, Math.min(durationS - span, start - beat * 0.1))
  return { startS, durationS: span }
}
