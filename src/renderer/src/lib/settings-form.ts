/**
 * The Settings form's checks, in words a clinician reads ("High heart-rate limit: enter a number
 * from 30 to 300 bpm"), before anything is sent; and the backend's validation messages
 * ("field 'monitor.alarms.hrHighBpm': Invalid input: …") turned into the same words.
 */
import { MONITOR_SETTINGS_RANGES } from '../../../core/monitor/monitor-settings'

export interface SettingsFormValues {
  windowSeconds: number | null
  hopSeconds: number | null
  hrLowBpm: number | null
  hrHighBpm: number | null
  sustainSeconds: number | null
  signalLostSeconds: number | null
}

interface FieldRule {
  key: keyof SettingsFormValues
  /** The contract's path of the field (src/core/api/contract.ts). */
  path: string
  label: string
  min: number
  max: number
  unit: string
}

/** The ranges the API checks (src/core/monitor/monitor-settings.ts), in the form's words. */
const R = MONITOR_SETTINGS_RANGES
const RULES: readonly FieldRule[] = [
  { key: 'hrLowBpm', path: 'monitor.alarms.hrLowBpm', label: 'Low heart-rate limit', ...R.hrLowBpm, unit: 'bpm' },
  { key: 'hrHighBpm', path: 'monitor.alarms.hrHighBpm', label: 'High heart-rate limit', ...R.hrHighBpm, unit: 'bpm' },
  { key: 'sustainSeconds', path: 'monitor.alarms.sustainSeconds', label: 'Alarm delay', ...R.sustainSeconds, unit: 's' },
  { key: 'signalLostSeconds', path: 'monitor.alarms.signalLostSeconds', label: 'Signal-lost delay', ...R.signalLostSeconds, unit: 's' },
  { key: 'windowSeconds', path: 'monitor.windowSeconds', label: 'Analysis window', ...R.windowSeconds, unit: 's' },
  { key: 'hopSeconds', path: 'monitor.hopSeconds', label: 'Update interval', ...R.hopSeconds, unit: 's' },
]

const rangeMessage = (rule: FieldRule): string => `${rule.label}: enter a number from ${rule.min} to ${rule.max} ${rule.unit}`

/** The fields with a problem (empty or out of range): marked on the form beside the sentence. */
export function invalidFields(values: SettingsFormValues): Array<keyof SettingsFormValues> {
  return RULES.filter((rule) => {
    const v = values[rule.key]
    return v === null || typeof v !== 'number' || !Number.isFinite(v) || v < rule.min || v > rule.max
  }).map((rule) => rule.key)
}

/** Every problem of the form, one sentence each; empty when it can be applied. */
export function checkSettingsForm(values: SettingsFormValues): string[] {
  const problems: string[] = []
  for (const rule of RULES) {
    const v = values[rule.key]
    if (v === null || typeof v !== 'number' || !Number.isFinite(v) || v < rule.min || v > rule.max) problems.push(rangeMessage(rule))
  }
  const { hrLowBpm: low, hrHighBpm: high, windowSeconds, hopSeconds } = values
  if (problems.length === 0 && low !== null && high !== null && low >= high) {
    problems.push(`The low heart-rate limit (${low} bpm) must be below the high one (${high} bpm)`)
  }
  if (problems.length === 0 && windowSeconds !== null && hopSeconds !== null && hopSeconds > windowSeconds) {
    problems.push(`The update interval (${hopSeconds} s) must not be longer than the analysis window (${windowSeconds} s)`)
  }
  return problems
}

/** A backend error in the form's words: a field's validation message becomes its range sentence; anything else unchanged. */
export function humanSettingsError(message: string): string {
  const field = /field '([^']+)'/.exec(message)?.[1]
  if (field) {
    const rule = RULES.find((r) => r.path === field)
    return rule ? rangeMessage(rule) : 'One of the settings is not valid: check the values and apply again'
  }
  const limits = /alarm limits: low (\S+) bpm must be below high (\S+) bpm/.exec(message)
  if (limits) return `The low heart-rate limit (${limits[1]} bpm) must be below the high one (${limits[2]} bpm)`
  return message
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  cuda: 'NVIDIA graphics card (CUDA)',
  dml: 'DirectML (Windows graphics)',
  coreml: 'Core ML (Mac)',
  cpu: 'processor',
}

/**
 * The monitor's note on accelerators that did not load ("cuda: CUDA provider library not
 * installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 …)") in words for
 * the person at the laptop: which acceleration is unavailable, and that the model still runs.
 * Install instructions (environment variables, package names) are for whoever installs the app:
 * they stay in the service's log, not on this screen.
 */
export function providerNoteForPeople(note: string, runningOn: string | null): string {
  const failed = [...note.matchAll(/(?:^|;\s*)([a-z]+):/g)].map((m) => m[1] as string)
  const names = [...new Set(failed)].map((id) => PROVIDER_NAMES[id] ?? id)
  const runs = runningOn ? `the model runs on the ${PROVIDER_NAMES[runningOn] ?? runningOn}` : 'the model runs without it'
  if (names.length === 0) return `Acceleration is not available on this computer; ${runs}.`
  return `Acceleration by ${names.join(', ')} is not available on this computer; ${runs}.`
}
