/**
 * Which alarm has which IEC 60601-1-8 priority, and the words the screen uses for it. Why each
 * priority: docs/alarms.md. Colours after the standard's table of visual alarm signals: medium
 * yellow, low cyan (high would be red; this monitor raises no high-priority alarm).
 */
import type { AlarmEvent, AlarmKind, AlarmPriority } from '../monitor/monitor-events'

export const ALARM_KINDS: readonly AlarmKind[] = ['hr-high', 'hr-low', 'signal-lost']

export const ALARM_PRIORITY: Readonly<Record<AlarmKind, AlarmPriority>> = {
  // A heart rate outside the limits the clinician set: a physiological alarm needing a prompt response.
  'hr-high': 'medium',
  'hr-low': 'medium',
  // A technical alarm: the chestpiece is off or the stethoscope sends nothing (docs/alarms.md).
  'signal-lost': 'low',
}

const RANK: Readonly<Record<AlarmPriority, number>> = { high: 3, medium: 2, low: 1 }

/** Sorts alarms highest priority first, then the most recent first (what the banner lists). */
export function byPriority<T extends Pick<AlarmEvent, 'kind' | 'atS'>>(alarms: readonly T[]): T[] {
  return [...alarms].sort((a, b) => RANK[ALARM_PRIORITY[b.kind]] - RANK[ALARM_PRIORITY[a.kind]] || b.atS - a.atS)
}

/** The highest priority among the given alarms, or null when there are none. */
export function highestPriority(kinds: readonly AlarmKind[]): AlarmPriority | null {
  let best: AlarmPriority | null = null
  for (const kind of kinds) {
    const priority = ALARM_PRIORITY[kind]
    if (best === null || RANK[priority] > RANK[best]) best = priority
  }
  return best
}

export const ALARM_TITLES: Readonly<Record<AlarmKind, string>> = {
  'hr-high': 'Heart rate high',
  'hr-low': 'Heart rate low',
  'signal-lost': 'Signal lost',
}

/**
 * The value against its limit, as a clinician reads it: "HR 142 > 120" (high), "HR 38 < 45"
 * (low); null for alarms without a number (signal lost) or before any value is known.
 */
export function valueAgainstLimit(
  kind: AlarmKind,
  valueBpm: number | null | undefined,
  limitBpm: number | null | undefined,
): string | null {
  if (kind === 'signal-lost' || valueBpm == null || limitBpm == null) return null
  return `HR ${Math.round(valueBpm)} ${kind === 'hr-high' ? '>' : '<'} ${Math.round(limitBpm)}`
}

/** One alarm-log line: "Heart rate high raised · HR 142 > 120" (the session's marker label and the on-screen log). */
export function alarmLogLabel(event: Pick<AlarmEvent, 'kind' | 'state' | 'valueBpm' | 'limitBpm'>): string {
  const value = valueAgainstLimit(event.kind, event.valueBpm, event.limitBpm)
  return `Alarm: ${ALARM_TITLES[event.kind]} ${event.state}${value ? ` · ${value}` : ''}`
}

/**
 * An active HR alarm's value against its limit as shown now: the HR on screen while it is beyond
 * the limit, else the last value that was (an acknowledged alarm whose HR is withheld a moment).
 */
export function shownValueAgainstLimit(
  alarm: Pick<AlarmEvent, 'kind' | 'valueBpm' | 'limitBpm'>,
  hrOnScreenBpm: number | null,
): string | null {
  const limit = alarm.limitBpm
  const beyond =
    hrOnScreenBpm !== null &&
    limit !== undefined &&
    ((alarm.kind === 'hr-high' && hrOnScreenBpm > limit) || (alarm.kind === 'hr-low' && hrOnScreenBpm < limit))
  return valueAgainstLimit(alarm.kind, beyond ? hrOnScreenBpm : alarm.valueBpm, limit)
}
