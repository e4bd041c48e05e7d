/**
 * What the alarm sound does now (pure; wall-clock milliseconds in): which alarms sound, whether
 * the audio is paused and for how long still, and when the next burst is due. IEC 60601-1-8
 * terms: "acknowledged" stops one alarm's sound until its condition ends; "audio paused" stops
 * every alarm's sound for a limited time (here 2 min) while the visual signals stay. An alarm
 * raised after the pause began sounds at once: the pause covers what the nurse had seen.
 */
import type { AlarmKind, AlarmPriority } from '../monitor/monitor-events'
import { highestPriority } from './alarm-priority'
import { burstFor, nextBurstAtS } from './alarm-tones'

export const AUDIO_PAUSE_S = 120

export interface ShownAlarm {
  kind: AlarmKind
  state: 'raised' | 'acknowledged'
  /** When this screen learned that the alarm was raised (wall clock, ms). */
  raisedAtMs: number
}

export interface AudioPause {
  /** Wall clock (ms) the pause began and ends; null when not paused. */
  sinceMs: number
  untilMs: number
}

export function startAudioPause(nowMs: number, seconds = AUDIO_PAUSE_S): AudioPause {
  return { sinceMs: nowMs, untilMs: nowMs + seconds * 1000 }
}

/** Whole seconds left of the pause (0 when it is over or there is none). */
export function pauseRemainingS(pause: AudioPause | null, nowMs: number): number {
  if (!pause) return 0
  return Math.max(0, Math.ceil((pause.untilMs - nowMs) / 1000))
}

/** "1:53": the countdown as shown. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** The alarms that sound: raised (not acknowledged), and not covered by a running audio pause. */
export function soundingAlarms(alarms: readonly ShownAlarm[], pause: AudioPause | null, nowMs: number): AlarmKind[] {
  const paused = pause !== null && nowMs < pause.untilMs
  return alarms.filter((a) => a.state === 'raised' && !(paused && a.raisedAtMs <= pause.sinceMs)).map((a) => a.kind)
}

/** The priority whose burst plays now, or null for silence (only the highest sounds: one signal at a time). */
export function soundingPriority(alarms: readonly ShownAlarm[], pause: AudioPause | null, nowMs: number): AlarmPriority | null {
  return highestPriority(soundingAlarms(alarms, pause, nowMs))
}

export interface BurstClock {
  priority: AlarmPriority
  /** Start of the last burst played, seconds on the player's clock. */
  lastStartS: number
}

/**
 * Whether a burst starts at `nowS` (player clock, seconds): at once when a priority starts
 * sounding or rises, else when the interburst interval after the last burst has passed.
 */
export function burstDue(priority: AlarmPriority | null, clock: BurstClock | null, nowS: number): boolean {
  if (priority === null) return false
  if (clock === null || clock.priority !== priority) return true
  const next = nextBurstAtS(burstFor(priority), clock.lastStartS) as number
  return nowS >= next
}
