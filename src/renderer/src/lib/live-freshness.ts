/**
 * Whether the live screen may show what the stream last said, and if not, why. A value must never
 * outlive the signal it came from (a known hazard in patient monitors): a stopped, failed or
 * switching source blanks the HR, the level and the strip chart at once, and so does a stream that
 * says it runs but has stopped delivering (no window event, or no samples, for a few seconds).
 * Pure: LiveState feeds it the status and the arrival times, the screen shows the reasons.
 */
import type { MonitorStatus } from '../../../core/api/contract'
import { withFileNames } from '../../../core/monitor/stop-reason'

/**
 * The engine publishes a window event every hop (1 s): three missed in a row is no slow
 * analysis (tens of ms) or network hiccup any more, and the number on the screen is then older
 * than the 5 s it already describes.
 */
export const WINDOW_STALE_MS = 3000
/** Strip-chart chunks come 10 times a second and the level meter holds its peak for 1 s; 2 s without one is no signal. */
export const SIGNAL_STALE_MS = 2000

export type BlankKind = 'connecting' | 'idle' | 'stopped' | 'switching' | 'source-failed' | 'stale'

export interface Blank {
  kind: BlankKind
  /** What the screen says instead of the value, short enough for a headline: "Stopped", "Source failed". */
  title: string
  /** What went wrong, where there is more to say (a failed source's own message, paths cut to file names). */
  detail?: string
  /** Title and detail as one sentence (screen readers, tooltips). */
  reason: string
}

const blank = (kind: BlankKind, title: string, detail?: string): Blank =>
  detail ? { kind, title, detail, reason: `${title}: ${detail}` } : { kind, title, reason: title }

export interface LiveTimes {
  status: MonitorStatus | null
  /** The user picked another source and its stream has not started yet. */
  switching: boolean
  nowMs: number
  /** When this screen saw the current stream start (its first 'running' status). */
  streamStartedAtMs: number | null
  /** Arrival of the current stream's latest window event; null before its first. */
  lastWindowAtMs: number | null
  /** Arrival of the current stream's latest strip-chart chunk; null before its first. */
  lastSignalAtMs: number | null
  /** The analysis window: the first window event cannot come before this much audio. */
  windowSeconds: number
}

export interface LiveBlanking {
  /** Nothing of the stream may be shown (no source, stopped, failed, switching). */
  stream: Blank | null
  /** The HR, its confidence and every reading of the latest window: withheld. */
  hr: Blank | null
  /** The level meter and the strip chart: blank. */
  signal: Blank | null
}

const seconds = (ms: number): number => Math.floor(ms / 1000)

/** Why the stream is not running, from its status (null while it runs). */
export function streamBlank(status: MonitorStatus | null, switching: boolean): Blank | null {
  if (switching) return blank('switching', 'Switching source…')
  if (status === null) return blank('connecting', 'Connecting…')
  if (status.state === 'idle') return blank('idle', 'No source', 'choose a stethoscope')
  if (status.state === 'running') return null
  const stop = status.stopReason
  if (stop?.kind === 'switching') return blank('switching', 'Switching source…')
  if (stop?.kind === 'source-failed') return blank('source-failed', 'Source failed', withFileNames(stop.detail ?? 'it could not start'))
  return blank('stopped', 'Stopped')
}

export function liveBlanking(t: LiveTimes): LiveBlanking {
  const stream = streamBlank(t.status, t.switching)
  if (stream) return { stream, hr: stream, signal: stream }
  const startedAtMs = t.streamStartedAtMs ?? t.nowMs
  let hr: Blank | null = null
  if (t.lastWindowAtMs !== null) {
    const ageMs = t.nowMs - t.lastWindowAtMs
    if (ageMs > WINDOW_STALE_MS) hr = blank('stale', `No new heart-rate reading for ${seconds(ageMs)} s`)
  } else {
    // Before the first window the panel says it is collecting the first seconds; past that and
    // the same slack again, nothing is coming.
    const waitedMs = t.nowMs - startedAtMs
    if (waitedMs > t.windowSeconds * 1000 + WINDOW_STALE_MS) hr = blank('stale', `No heart-rate reading for ${seconds(waitedMs)} s`)
  }
  const signalAgeMs = t.nowMs - (t.lastSignalAtMs ?? startedAtMs)
  const signal = signalAgeMs > SIGNAL_STALE_MS ? blank('stale', `No sound from the source for ${seconds(signalAgeMs)} s`) : null
  return { stream: null, hr, signal }
}
