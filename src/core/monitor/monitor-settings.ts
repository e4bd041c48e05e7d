/**
 * The monitor's settings (window, hop, alarm limits) and their bounds, once: the API contract, the
 * settings store, the engine and the Settings form all check against what is here.
 */
import { z } from 'zod'
import { InvalidArgumentError } from '../errors'
import { validateWith } from '../zod-issue'

/** Allowed range of every setting (inclusive), in the unit its name says. */
export const MONITOR_SETTINGS_RANGES = {
  windowSeconds: { min: 1, max: 30 },
  hopSeconds: { min: 0.1, max: 10 },
  hrHighBpm: { min: 30, max: 300 },
  hrLowBpm: { min: 20, max: 250 },
  sustainSeconds: { min: 0, max: 600 },
  signalLostSeconds: { min: 1, max: 600 },
} as const

const inRange = (range: { min: number; max: number }): z.ZodNumber => z.number().min(range.min).max(range.max)

export const alarmLimitsSchema = z.object({
  hrHighBpm: inRange(MONITOR_SETTINGS_RANGES.hrHighBpm),
  hrLowBpm: inRange(MONITOR_SETTINGS_RANGES.hrLowBpm),
  /** Seconds the condition must hold before the alarm is raised. */
  sustainSeconds: inRange(MONITOR_SETTINGS_RANGES.sustainSeconds),
  /** Seconds without a usable signal before 'signal-lost'. */
  signalLostSeconds: inRange(MONITOR_SETTINGS_RANGES.signalLostSeconds),
})
export type AlarmLimits = z.infer<typeof alarmLimitsSchema>

export const monitorSettingsSchema = z.object({
  windowSeconds: inRange(MONITOR_SETTINGS_RANGES.windowSeconds),
  hopSeconds: inRange(MONITOR_SETTINGS_RANGES.hopSeconds),
  alarms: alarmLimitsSchema,
})
export type MonitorSettings = z.infer<typeof monitorSettingsSchema>

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = {
  windowSeconds: 5,
  hopSeconds: 1,
  alarms: { hrHighBpm: 150, hrLowBpm: 45, sustainSeconds: 10, signalLostSeconds: 10 },
}

/** What the ranges alone cannot say (a low limit above the high one, a hop longer than the window), or null. */
export function monitorSettingsConflict(settings: MonitorSettings): string | null {
  const { hrLowBpm: low, hrHighBpm: high } = settings.alarms
  if (low >= high) return `alarm limits: low ${low} bpm must be below high ${high} bpm`
  if (settings.hopSeconds > settings.windowSeconds)
    return `hop ${settings.hopSeconds} s must not exceed the window ${settings.windowSeconds} s`
  return null
}

/** Ranges and conflicts checked; InvalidArgumentError naming the field otherwise. */
export function checkMonitorSettings(settings: MonitorSettings): MonitorSettings {
  const checked = validateWith(monitorSettingsSchema, settings, ({ summary }) => {
    throw new InvalidArgumentError(`monitor settings: ${summary}`)
  })
  const conflict = monitorSettingsConflict(checked)
  if (conflict !== null) throw new InvalidArgumentError(conflict)
  return checked
}
