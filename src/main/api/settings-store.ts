/**
 * The app's settings: what the user chose, kept in `<initial data folder>/settings.json`. A patch
 * from a client is checked whole (paths, alarm limits, hop against window) before anything
 * applies, so a refused patch changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { appSettingsSchema, type AppSettings, type ListeningPreferences, type SettingsPatch } from '../../core/api/contract'
import { InvalidArgumentError } from '../../core/errors'
import { DEFAULT_MONITOR_SETTINGS, monitorSettingsConflict, type MonitorSettings } from '../../core/monitor/monitor-settings'
import { writeFileAtomic } from '../sessions/atomic-write'
import { ensurePrivateDir } from '../sessions/data-dir'
import { checkDataDir, checkModelPath, UNUSABLE_MODEL_MESSAGE } from './settings-paths'

export function defaultAppSettings(dataDir: string, modelPath: string | null): AppSettings {
  return { monitor: structuredClone(DEFAULT_MONITOR_SETTINGS), modelPath, executionProvider: 'auto', dataDir: resolve(dataDir) }
}

/** What applying settings needs of the rest of the app. */
export interface SettingsEffects {
  /** Model paths the app itself offers or was started with (their load errors may be shown as they are). */
  knownModelPaths(): string[]
  loadModel(path: string, executionProvider: AppSettings['executionProvider']): Promise<void>
  applyMonitorSettings(settings: MonitorSettings): void
}

/** The settings a patch asks for, or InvalidArgumentError for limits that contradict each other. Pure. */
export function mergeSettingsPatch(current: AppSettings, patch: SettingsPatch, dataDir: string, modelPath: string | null): AppSettings {
  const next: AppSettings = {
    monitor: {
      windowSeconds: patch.monitor?.windowSeconds ?? current.monitor.windowSeconds,
      hopSeconds: patch.monitor?.hopSeconds ?? current.monitor.hopSeconds,
      alarms: { ...current.monitor.alarms, ...patch.monitor?.alarms },
    },
    modelPath,
    executionProvider: patch.executionProvider ?? current.executionProvider,
    dataDir,
    ...(current.listening ? { listening: current.listening } : {}),
  }
  const display = patch.display ?? current.display
  if (display) next.display = display
  const conflict = monitorSettingsConflict(next.monitor)
  if (conflict !== null) throw new InvalidArgumentError(conflict)
  return next
}

export class SettingsStore {
  private current: AppSettings

  /** `initial` comes from the command line or the app; what is saved in its data folder wins over it. */
  constructor(private readonly initial: AppSettings) {
    this.current = loadSavedSettings(initial)
  }

  get(): AppSettings {
    return this.current
  }

  /** The data folder the app started with: settings.json lives there even when the library moves. */
  get homeDataDir(): string {
    return this.initial.dataDir
  }

  /** The model path the app was started with (a known path, like those in models/). */
  get initialModelPath(): string | null {
    return this.initial.modelPath
  }

  /** Both data folders, whose absolute paths must not leave through the API. */
  dataDirs(): string[] {
    return [this.current.dataDir, this.initial.dataDir]
  }

  async update(patch: SettingsPatch, effects: SettingsEffects): Promise<AppSettings> {
    const current = this.current
    // Both paths come from a client: checked (and the folder proven writable) before anything changes.
    const dataDir = patch.dataDir === undefined || patch.dataDir === current.dataDir ? current.dataDir : checkDataDir(patch.dataDir)
    const model =
      patch.modelPath === undefined || patch.modelPath === current.modelPath
        ? null
        : checkModelPath(patch.modelPath, effects.knownModelPaths())
    const next = mergeSettingsPatch(current, patch, dataDir, model?.path ?? current.modelPath)
    const modelChanged = next.modelPath !== current.modelPath || next.executionProvider !== current.executionProvider
    if (modelChanged && next.modelPath) {
      if (!existsSync(next.modelPath)) throw new InvalidArgumentError('modelPath: the model file is gone')
      try {
        await effects.loadModel(next.modelPath, next.executionProvider)
      } catch (error) {
        // A model of the app's own folder may say what is wrong with it; any other path only that it is unusable.
        if (model !== null && !model.known) throw new InvalidArgumentError(UNUSABLE_MODEL_MESSAGE)
        throw error
      }
    }
    effects.applyMonitorSettings(next.monitor)
    this.current = next
    ensurePrivateDir(next.dataDir)
    this.save()
    return next
  }

  /** Kept in memory even when the write fails (which throws: the caller reports it; listening goes on). */
  saveListening(preferences: ListeningPreferences): void {
    this.current = { ...this.current, listening: preferences }
    this.save()
  }

  private save(): void {
    ensurePrivateDir(this.initial.dataDir)
    writeFileAtomic(settingsFile(this.initial.dataDir), `${JSON.stringify(this.current, null, 2)}\n`)
  }
}

function settingsFile(dataDir: string): string {
  return join(dataDir, 'settings.json')
}

function loadSavedSettings(defaults: AppSettings): AppSettings {
  const file = settingsFile(defaults.dataDir)
  if (!existsSync(file)) return defaults
  try {
    const saved = appSettingsSchema.partial().parse(JSON.parse(readFileSync(file, 'utf8')))
    return { ...defaults, ...saved }
  } catch {
    return defaults // A hand-broken settings file must not stop the monitor from starting.
  }
}
