/**
 * The backend behind the API contract: wires the monitor engine, the device catalog, the session
 * recorder and the library into one handler per channel, and fans every event out to whichever
 * transports are attached (IPC, WebSocket). Plain Node: no Electron import.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import {
  appSettingsSchema,
  type ApiEventChannel,
  type ApiHandlers,
  type AppSettings,
  type DeviceInfo,
  type ListeningPreferences,
  type ModelSummary,
  type RecordingStatus,
  type SessionSummary,
  type SettingsPatch,
} from '../../core/api/contract'
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import type { ModelCard } from '../../core/model/model-card'
import {
  DEFAULT_MONITOR_SETTINGS,
  type MonitorEvent,
  type MonitorStatusEvent,
  type MonitorStopReason,
} from '../../core/monitor/monitor-events'
import type { SessionLocation } from '../../core/sessions/session-schema'
import type { PcmSource } from '../devices/source'
import { LiveListening, type LiveListeningOptions } from '../listening/live-listening'
import { listOutputDevices } from '../listening/output-devices'
import { writeFileAtomic } from '../sessions/atomic-write'
import { ensurePrivateDir } from '../sessions/data-dir'
import { SessionRecorder } from '../sessions/session-recorder'
import type { DeviceCatalog, MonitorPort } from './monitor-port'
import { redactPaths, withRedactedErrors } from './redact-paths'
import type { SessionLibraryPort } from './session-library-port'
import { checkDataDir, checkModelPath, UNUSABLE_MODEL_MESSAGE } from './settings-paths'

export const CIRCOR_ATTRIBUTION =
  'Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022, PhysioNet, doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.'

export interface AppServiceOptions {
  monitor: MonitorPort
  devices: DeviceCatalog
  library: SessionLibraryPort
  mode: 'electron' | 'browser'
  version: string
  /** Initial settings; those saved in `<dataDir>/settings.json` win over them. */
  settings: AppSettings
  /** Where `model:list` looks for ONNX files. */
  modelsDir: string
  /** Run on dispose (e.g. stop the device registry's hot-plug polling). */
  onDispose?: Array<() => void | Promise<void>>
  /** Live listening's output tuning (jitter buffer, watchdog, PulseAudio environment); defaults suit the app. */
  listening?: Omit<LiveListeningOptions, 'preferences' | 'onStatus' | 'onPreferences'>
}

/** What a stethoscope's or foot switch's buttons can ask for (src/core/hid/hid-report.ts). */
export type HardwareAction = 'record-toggle' | 'mark' | 'monitor-toggle'

/** The picked device did not start (unreadable file, device gone, permission denied). */
export class SourceStartError extends AuscultaError {}

type EventListener = (channel: ApiEventChannel, payload: unknown) => void

interface ActiveRecording {
  recorder: SessionRecorder
  /** Stream sample index at which the recording began. */
  originSampleIndex: number | null
  sampleRateHz: number
  markers: Array<{ timeS: number; label: string }>
}

export class AppService {
  private readonly listeners = new Set<EventListener>()
  private settings: AppSettings
  private source: PcmSource | null = null
  private sourceId: string | null = null
  private lastSourceId: string | null = null
  private lastFatalError: { name: string; message: string } | null = null
  private recording: ActiveRecording | null = null
  private lastPcgRateHz = 4000
  private lastStreamSampleIndex = 0
  private readonly recordingTicker: NodeJS.Timeout
  private readonly unsubscribeMonitor: () => void
  private readonly unsubscribeDevices: () => void
  /** The active source's sound on the chosen output device (Electron mode's listening path). */
  private readonly listening: LiveListening

  constructor(private readonly options: AppServiceOptions) {
    this.settings = this.loadSavedSettings(options.settings)
    this.listening = new LiveListening({
      ...options.listening,
      ...(this.settings.listening ? { preferences: this.settings.listening } : {}),
      onStatus: (status) => this.emit('event:listening', status),
      onPreferences: (preferences) => this.saveListeningPreferences(preferences),
    })
    this.unsubscribeMonitor = options.monitor.on((event) => this.onMonitorEvent(event))
    this.unsubscribeDevices = options.devices.onChange?.(() => void this.publishDevices()) ?? (() => undefined)
    this.recordingTicker = setInterval(() => {
      if (this.recording) this.emit('event:recording', this.recordingStatus())
    }, 1000)
    this.recordingTicker.unref()
  }

  /** Loads the configured model (if any) and applies the monitor settings. */
  async init(): Promise<void> {
    this.options.monitor.updateSettings(this.settings.monitor)
    if (this.settings.modelPath && existsSync(this.settings.modelPath)) {
      await this.options.monitor.loadModel(this.settings.modelPath, { executionProvider: this.settings.executionProvider })
    }
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(channel: ApiEventChannel, payload: unknown): void {
    for (const listener of this.listeners) {
      try {
        listener(channel, payload)
      } catch {
        // One broken transport must not starve the others.
      }
    }
  }

  private onMonitorEvent(event: MonitorEvent): void {
    if (event.type === 'error' && event.fatal) this.lastFatalError = { name: event.name, message: event.message }
    const recording = this.recording
    if (event.type === 'pcg') {
      this.lastPcgRateHz = event.sampleRateHz
      this.lastStreamSampleIndex = event.firstSampleIndex + event.samples.length
      if (recording && recording.recorder.status === 'recording') {
        if (recording.originSampleIndex === null) {
          recording.originSampleIndex = event.firstSampleIndex
          recording.sampleRateHz = event.sampleRateHz
        }
        try {
          recording.recorder.appendAudio({
            samples: Float32Array.from(event.samples),
            sampleRateHz: event.sampleRateHz,
            firstSampleIndex: event.firstSampleIndex,
          })
        } catch (error) {
          this.emit('event:monitor', {
            type: 'error',
            name: (error as Error).name,
            message: `recording: ${this.withoutDataPaths((error as Error).message)}`,
            fatal: false,
          })
        }
      }
    } else if (event.type === 'window' && recording && recording.originSampleIndex !== null && recording.recorder.status === 'recording') {
      const originS = recording.originSampleIndex / recording.sampleRateHz
      const timeS = event.windowEndS - originS
      if (timeS >= 0) {
        try {
          recording.recorder.appendWindowEvent({
            timeS,
            hrBpm: event.hrBpm,
            confidence: event.confidence,
            layers: event.layers.map((l) => ({ index: l.index, hrBpm: l.hrBpm, confidence: l.confidence })),
            classicalHrBpm: event.classical.hrBpm,
            classicalQuality: event.classical.quality,
          })
        } catch {
          // The HR trace is secondary to the audio; a failed line is not worth stopping for.
        }
      }
    }
    this.emit('event:monitor', event)
  }

  // ------------------------------------------------------------------ settings

  /**
   * settings.json lives in the *initial* data folder (the app's own place), even when the user
   * moves the session library elsewhere: otherwise the next start could not find the choice.
   */
  private settingsFile(): string {
    return join(this.options.settings.dataDir, 'settings.json')
  }

  private loadSavedSettings(defaults: AppSettings): AppSettings {
    const file = join(defaults.dataDir, 'settings.json')
    if (!existsSync(file)) return defaults
    try {
      const saved = appSettingsSchema.partial().parse(JSON.parse(readFileSync(file, 'utf8')))
      return { ...defaults, ...saved }
    } catch {
      return defaults // A hand-broken settings file must not stop the monitor from starting.
    }
  }

  private async updateSettings(patch: SettingsPatch): Promise<AppSettings> {
    const current = this.settings
    // Both paths come from a client: checked (and the folder proven writable) before anything changes.
    const dataDir = patch.dataDir === undefined || patch.dataDir === current.dataDir ? current.dataDir : checkDataDir(patch.dataDir)
    const model =
      patch.modelPath === undefined || patch.modelPath === current.modelPath
        ? null
        : checkModelPath(patch.modelPath, this.knownModelPaths())
    const next: AppSettings = {
      monitor: {
        windowSeconds: patch.monitor?.windowSeconds ?? current.monitor.windowSeconds,
        hopSeconds: patch.monitor?.hopSeconds ?? current.monitor.hopSeconds,
        alarms: { ...current.monitor.alarms, ...patch.monitor?.alarms },
      },
      modelPath: model?.path ?? current.modelPath,
      executionProvider: patch.executionProvider ?? current.executionProvider,
      dataDir,
      ...(current.listening ? { listening: current.listening } : {}),
    }
    if (next.monitor.alarms.hrLowBpm >= next.monitor.alarms.hrHighBpm) {
      throw new InvalidArgumentError(
        `alarm limits: low ${next.monitor.alarms.hrLowBpm} bpm must be below high ${next.monitor.alarms.hrHighBpm} bpm`,
      )
    }
    if (next.monitor.hopSeconds > next.monitor.windowSeconds) {
      throw new InvalidArgumentError(`hop ${next.monitor.hopSeconds} s must not exceed the window ${next.monitor.windowSeconds} s`)
    }
    const modelChanged = next.modelPath !== current.modelPath || next.executionProvider !== current.executionProvider
    if (modelChanged && next.modelPath) {
      if (!existsSync(next.modelPath)) throw new InvalidArgumentError('modelPath: the model file is gone')
      try {
        await this.options.monitor.loadModel(next.modelPath, { executionProvider: next.executionProvider })
      } catch (error) {
        // A model of the app's own folder may say what is wrong with it; any other path only that it is unusable.
        if (model !== null && !model.known) throw new InvalidArgumentError(UNUSABLE_MODEL_MESSAGE)
        throw error
      }
    }
    this.options.monitor.updateSettings(next.monitor)
    this.settings = next
    ensurePrivateDir(next.dataDir)
    ensurePrivateDir(this.options.settings.dataDir)
    writeFileAtomic(this.settingsFile(), `${JSON.stringify(next, null, 2)}\n`)
    return next
  }

  /** The output device, filter and gain outlive the app; a failed write must not break listening. */
  private saveListeningPreferences(preferences: ListeningPreferences): void {
    this.settings = { ...this.settings, listening: preferences }
    try {
      ensurePrivateDir(this.options.settings.dataDir)
      writeFileAtomic(this.settingsFile(), `${JSON.stringify(this.settings, null, 2)}\n`)
    } catch (error) {
      this.emit('event:monitor', {
        type: 'error',
        name: (error as Error).name,
        message: `saving the listening settings: ${this.withoutDataPaths((error as Error).message)}`,
        fatal: false,
      })
    }
  }

  // ------------------------------------------------------------------ devices and monitor

  private async deviceList(): Promise<DeviceInfo[]> {
    const entries = await this.options.devices.list()
    return entries.map((d) => ({ ...d, active: d.id === this.sourceId, status: d.id === this.sourceId ? 'connected' : d.status }))
  }

  private async publishDevices(): Promise<void> {
    this.emit('event:devices', await this.deviceList())
  }

  async selectDevice(id: string): Promise<MonitorStatusEvent> {
    if (this.recording) throw new InvalidArgumentError('cannot switch the device while recording; stop the recording first')
    const source = await this.options.devices.open(id)
    // The screen blanks the old source's values and says "Switching source…" until the new one's first window.
    await this.stopMonitor({ kind: 'switching' })
    this.source = source
    this.sourceId = id
    this.lastSourceId = id
    this.lastFatalError = null
    // Subscribed before the start so listening hears the first chunk too.
    this.listening.attachSource(source)
    try {
      await this.options.monitor.start(source)
      // The engine reports a source that fails to start as a fatal error event and stops itself.
      if (this.options.monitor.status().state !== 'running') {
        const fatal = this.lastFatalError as { name: string; message: string } | null
        throw new SourceStartError(`${id}: could not start${fatal ? `: ${fatal.message}` : ''}`)
      }
    } catch (error) {
      // A device that fails to start is not "active": the picker must not claim otherwise.
      this.listening.attachSource(null)
      this.source = null
      this.sourceId = null
      void this.publishDevices()
      throw error
    }
    void this.publishDevices()
    return this.options.monitor.status()
  }

  private async stopMonitor(reason: MonitorStopReason = { kind: 'stopped' }): Promise<void> {
    if (this.recording) await this.stopRecording()
    this.listening.attachSource(null)
    if (this.source) await this.options.monitor.stop(reason)
    this.source = null
    this.sourceId = null
  }

  private modelSummary(): ModelSummary | null {
    const card: ModelCard | null = this.options.monitor.modelCard
    if (!card) return null
    const metrics = (m: { maeBpm: number; medianAbsErrorBpm: number; within5BpmShare: number }) => ({
      maeBpm: m.maeBpm,
      medianAbsErrorBpm: m.medianAbsErrorBpm,
      within5BpmShare: m.within5BpmShare,
    })
    const classical = (card as { classical?: { validation?: { maeBpm: number; medianAbsErrorBpm: number; within5BpmShare: number } } })
      .classical?.validation
    return {
      id: card.id,
      version: card.version,
      path: this.settings.modelPath ?? '',
      sampleRateHz: card.input.sampleRateHz,
      windowSeconds: card.input.windowSeconds,
      layers: card.layers.map((l) => ({ index: l.index, name: l.name, width: l.width, validation: metrics(l.validation) })),
      production: metrics(card.production.validation),
      classical: classical ? metrics(classical) : null,
      trainingDataset: card.training.dataset,
      attribution: card.training.attribution,
    }
  }

  /** Model paths the app itself offers (model:list) or was started with. */
  private knownModelPaths(): string[] {
    const known = this.listModels().map((m) => m.path)
    if (this.options.settings.modelPath) known.push(this.options.settings.modelPath)
    return known
  }

  private listModels(): Array<{ path: string; name: string; hasCard: boolean }> {
    const dir = this.options.modelsDir
    if (!existsSync(dir)) return []
    return readdirSync(dir)
      .filter((f) => f.endsWith('.onnx'))
      .sort()
      .map((f) => {
        const path = join(dir, f)
        return { path, name: basename(f, '.onnx'), hasCard: existsSync(path.replace(/\.onnx$/, '.card.json')) }
      })
  }

  // ------------------------------------------------------------------ recording

  private recordingStatus(): RecordingStatus {
    const r = this.recording
    if (!r) return { recording: false, sessionId: null, elapsedS: 0, markers: 0 }
    return { recording: true, sessionId: r.recorder.id, elapsedS: r.recorder.framesWritten / r.sampleRateHz, markers: r.markers.length }
  }

  private startRecording(request: { location: SessionLocation; patientId?: string; notes?: string }): RecordingStatus {
    if (this.recording) throw new InvalidArgumentError('already recording; stop the current recording first')
    if (!this.source || this.options.monitor.status().state !== 'running')
      throw new InvalidArgumentError('no signal source is running; pick a device first')
    const recorder = SessionRecorder.start({
      dataDir: this.settings.dataDir,
      sampleRateHz: Math.round(this.lastPcgRateHz),
      location: request.location,
      patient: request.patientId ? { id: request.patientId } : {},
      device: { id: this.source.id, name: this.source.label },
      modelId: this.options.monitor.status().modelId,
      notes: request.notes ?? '',
      ...(this.source.kind === 'demo' ? { attribution: CIRCOR_ATTRIBUTION } : {}),
    })
    this.recording = { recorder, originSampleIndex: null, sampleRateHz: Math.round(this.lastPcgRateHz), markers: [] }
    const status = this.recordingStatus()
    this.emit('event:recording', status)
    return status
  }

  private async stopRecording(): Promise<SessionSummary | null> {
    const r = this.recording
    if (!r) return null
    this.recording = null
    const meta = r.recorder.stop()
    await this.options.library.addMarkers(meta.id, r.markers)
    this.emit('event:recording', this.recordingStatus())
    const summaries = await this.options.library.list()
    return summaries.find((s) => s.id === meta.id) ?? null
  }

  private mark(label: string): { timeS: number } {
    const r = this.recording
    if (!r) throw new InvalidArgumentError('mark: not recording')
    const timeS = r.recorder.framesWritten / r.sampleRateHz
    r.markers.push({ timeS, label })
    this.emit('event:recording', this.recordingStatus())
    return { timeS }
  }

  /** A hardware button press; failures surface as non-fatal monitor errors in the UI. */
  async onHardwareAction(action: HardwareAction): Promise<void> {
    try {
      if (action === 'mark') {
        if (this.recording) this.mark('button')
      } else if (action === 'record-toggle') {
        if (this.recording) await this.stopRecording()
        else this.startRecording({ location: 'other' })
      } else if (this.source) {
        await this.stopMonitor()
        void this.publishDevices()
      } else if (this.lastSourceId) {
        await this.selectDevice(this.lastSourceId)
      }
    } catch (error) {
      this.emit('event:monitor', {
        type: 'error',
        name: (error as Error).name,
        message: `button ${action}: ${this.withoutDataPaths((error as Error).message)}`,
        fatal: false,
      })
    }
  }

  // ------------------------------------------------------------------ the contract

  private readonly channelHandlers: ApiHandlers = {
    'app:info': async () => ({ version: this.options.version, mode: this.options.mode, attribution: CIRCOR_ATTRIBUTION }),
    'devices:list': async () => this.deviceList(),
    'devices:select': async ({ id }) => this.selectDevice(id),
    'monitor:stop': async () => {
      await this.stopMonitor()
      void this.publishDevices()
      return this.options.monitor.status()
    },
    'monitor:status': async () => this.options.monitor.status(),
    'monitor:acknowledgeAlarm': async ({ kind }) => {
      this.options.monitor.acknowledgeAlarm(kind)
      return { ok: true as const }
    },
    'model:summary': async () => this.modelSummary(),
    'model:list': async () => this.listModels(),
    'settings:get': async () => this.settings,
    'settings:update': async (patch) => this.updateSettings(patch),
    'recording:start': async (request) => this.startRecording(request),
    'recording:stop': async () => this.stopRecording(),
    'recording:mark': async ({ label }) => this.mark(label),
    'recording:status': async () => this.recordingStatus(),
    'sessions:list': async ({ text }) => this.options.library.list(text),
    'sessions:get': async ({ id }) => this.options.library.get(id),
    'sessions:audio': async ({ id }) => this.options.library.audio(id),
    'sessions:audioRange': async ({ id, startFrame, frames }) => this.options.library.audioRange(id, startFrame, frames),
    'sessions:peaks': async ({ id, ...request }) => this.options.library.peaks(id, request),
    'sessions:edit': async ({ id, edit }) => this.options.library.edit(id, edit),
    'sessions:update': async ({ id, ...changes }) => this.options.library.update(id, changes),
    'sessions:export': async ({ id, format }) => this.options.library.exportSession(id, format),
    'sessions:problems': async () => this.options.library.problems(),
    'sessions:repair': async ({ key }) => this.options.library.repair(key),
    'sessions:exportRaw': async ({ key }) => this.options.library.exportRaw(key),
    'listening:outputs': async () => listOutputDevices(this.options.listening?.env),
    'listening:status': async () => this.listening.status(),
    'listening:set': async (patch) => this.listening.set(patch),
  }

  /**
   * One handler per channel, as the transports call them: errors leave with the data folder's
   * absolute path taken out of their message (contract.ts: no paths of ours cross the API).
   */
  readonly handlers: ApiHandlers = withRedactedErrors(this.channelHandlers, () => [this.settings.dataDir, this.options.settings.dataDir])

  get dataDir(): string {
    return this.settings.dataDir
  }

  /** Error text for events, with the data folders' absolute paths taken out (as for API errors). */
  private withoutDataPaths(message: string): string {
    return redactPaths(message, [this.settings.dataDir, this.options.settings.dataDir])
  }

  /** Where the stream is now, in seconds: used by the renderer to place marks. */
  streamTimeS(): number {
    return this.lastStreamSampleIndex / this.lastPcgRateHz
  }

  async dispose(): Promise<void> {
    clearInterval(this.recordingTicker)
    this.listening.dispose()
    await this.stopMonitor()
    this.unsubscribeMonitor()
    this.unsubscribeDevices()
    await this.options.monitor.dispose()
    await this.options.library.dispose?.()
    for (const dispose of this.options.onDispose ?? []) await dispose()
    this.listeners.clear()
  }
}

export function defaultAppSettings(dataDir: string, modelPath: string | null): AppSettings {
  return { monitor: structuredClone(DEFAULT_MONITOR_SETTINGS), modelPath, executionProvider: 'auto', dataDir: resolve(dataDir) }
}
