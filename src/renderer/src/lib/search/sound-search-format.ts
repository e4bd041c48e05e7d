/**
 * Words and geometry of find-by-sound results (SoundSearch.svelte, MatchHighlight.svelte): pure, so
 * the tests check them without a browser.
 */
import type { SessionSummary } from '../../../../core/api/contract'
import { sessionTitle } from '../session/session-format'

/** The issue's own examples: what a clinician would type. */
export const EXAMPLE_QUERIES = ['systolic murmur at the apex', 'irregular rhythm', 'fast heart', 'noisy recording'] as const

/** m:ss (h:mm:ss past an hour), whole seconds: a stretch is found to the window, not the sample. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const mm = String(Math.floor((s % 3600) / 60))
  const ss = String(s % 60).padStart(2, '0')
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`
}

export function formatStretch(startS: number, endS: number): string {
  return `${clock(startS)}–${clock(endS)}`
}

/** Where a stretch lies in a recording, as percentages of its length (at least 1 % wide, so it shows). */
export function stretchPercent(startS: number, endS: number, durationS: number): { left: number; width: number } {
  if (!(durationS > 0)) return { left: 0, width: 100 }
  const left = Math.min(100, Math.max(0, (startS / durationS) * 100))
  const width = Math.max(1, Math.min(100 - left, ((endS - startS) / durationS) * 100))
  return { left, width }
}

/** A stretch inside a view of the waveform, as percentages of the view (null when it lies outside). */
export function stretchInView(
  startS: number,
  endS: number,
  viewStartS: number,
  viewDurationS: number,
): { left: number; width: number } | null {
  if (!(viewDurationS > 0)) return null
  const from = Math.max(startS, viewStartS)
  const to = Math.min(endS, viewStartS + viewDurationS)
  if (to <= from) return null
  return { left: ((from - viewStartS) / viewDurationS) * 100, width: ((to - from) / viewDurationS) * 100 }
}

/** The view that shows a stretch with some context either side (a quarter of its length, at least 1 s), inside the recording. */
export function viewAround(startS: number, endS: number, durationS: number): { startS: number; durationS: number } {
  const pad = Math.max(1, (endS - startS) / 4)
  const from = Math.max(0, startS - pad)
  const to = Math.min(durationS, endS + pad)
  return { startS: from, durationS: Math.max(0, to - from) }
}

/** One line about the session a hit belongs to, titled as the library titles it ("P-0042 · Mitral · 3 Dec 17:34"). */
export function describeSession(summary: SessionSummary | undefined, sessionId: string): string {
  return summary ? sessionTitle(summary) : sessionId
}
