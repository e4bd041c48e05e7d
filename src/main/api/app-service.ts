/**
 * The backend behind the API contract: one handler per channel over the settings store, the
 * source control, the recording controller and the session library, and the fan-out of every
 * event to whichever transports are attached (IPC, WebSocket). Plain Node: no Electron import.
 */
import { existsSync } from 'node:fs'
import type { ApiEventChannel, ApiHandlers, AppSettings, RecordingStatus } from '../../core/api/contract'
import { InvalidArgumentError } from '../../core/errors'
import type { MonitorEvent, MonitorStatusEvent } from '../../core/monitor/monitor-events'
import { LiveListening, type LiveListeningOptions } from '../listening/live-listening'
import { listOutputDevices } from '../listening/output-devices'
import { listModels, modelSummary } from './model-catalog'
import type { DeviceCatalog, MonitorPort } from './monitor-port'
import { ExamController } from './exam-controller'
import { CIRCOR_ATTRIBUTION, RecordingController, type RecordingRequest } from './recording-controller'
import { redactPaths, withRedactedErrors } from './redact-paths'
import type { SessionLibraryPort } from './session-library-port'
import { SettingsStore } from './settings-store'
import { SourceControl } from './source-control'
import { SoundSearch } from '../search/sound-search'
import { PacsService } from '../sharing/pacs-service'
import { ListenerSet } from '../listener-set'

export { CIRCOR_ATTRIBUTION } from './recording-controller'
export { defaultAppSettings } from './settings-store'
export { SourceStartError } from './source-control'

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

type EventListener = (channel: ApiEventChannel, payload: unknown) => void

export class AppService {
  /** One broken transport must not starve the others: a failing listener is dropped silently. */
  private readonly listeners = new ListenerSet<[ApiEventChannel, unknown]>('app event', () => {})
  private readonly settings: SettingsStore
  private readonly sources: SourceControl
  private readonly recordings: RecordingController
  /** The guided 4-point exam: visits and their timed clips. */
  private readonly exams: ExamController
  /** The active source's sound on the chosen output device (Electron mode's listening path). */
  private readonly listening: LiveListening
  private readonly unsubscribeMonitor: () => void
  private readonly unsubscribeDevices: () => void
  /** Find by sound: sessions' window embeddings (made when a recording is saved) against a text query. */
  private readonly soundSearch: SoundSearch
  /** The PACS as the clinic's shared store (DICOMweb; docs/sharing.md). */
  private readonly pacs: PacsService

  constructor(private readonly options: AppServiceOptions) {
    this.settings = new SettingsStore(options.settings)
    this.soundSearch = new SoundSearch({ dataDir: () => this.settings.get().dataDir, modelPath: () => this.settings.get().modelPath })
    this.pacs = new PacsService({ homeDataDir: this.settings.homeDataDir, dataDir: () => this.settings.get().dataDir })
    const listeningPreferences = this.settings.get().listening
    this.listening = new LiveListening({
      ...options.listening,
      ...(listeningPreferences ? { preferences: listeningPreferences } : {}),
      onStatus: (status) => this.emit('event:listening', status),
      onPreferences: (preferences) => {
        // The output device, filter and gain outlive the app; a failed write must not break listening.
        try {
          this.settings.saveListening(preferences)
        } catch (error) {
          this.reportError('saving the listening settings', error)
        }
      },
    })
    this.recordings = new RecordingController({
      library: options.library,
      onStatus: (status) => this.emit('event:recording', status),
      onError: (error) => this.reportError('recording', error),
      onSaved: (meta) => {
        this.exams.onSaved(meta)
        // In the background: a failure leaves the session to be embedded at its first search.
        this.soundSearch
          .indexAfterRecording(meta.id)
          .catch((error: unknown) => this.reportError('indexing the recording for search', error))
      },
    })
    this.exams = new ExamController({
      dataDir: () => this.settings.get().dataDir,
      library: options.library,
      startRecording: (request) => this.startRecording(request),
      onError: (error) => this.reportError('4-point exam', error),
    })
    this.sources = new SourceControl({
      monitor: options.monitor,
      devices: options.devices,
      listening: this.listening,
      onDevices: (devices) => this.emit('event:devices', devices),
      beforeStop: async () => {
        await this.recordings.stop()
      },
    })
    this.unsubscribeMonitor = options.monitor.on((event) => this.onMonitorEvent(event))
    this.unsubscribeDevices = options.devices.onChange?.(() => void this.sources.publish()) ?? (() => undefined)
  }

  /** Loads the configured model (if any) and applies the monitor settings. */
  async init(): Promise<void> {
    const settings = this.settings.get()
    this.options.monitor.updateSettings(settings.monitor)
    if (settings.modelPath && existsSync(settings.modelPath)) {
      await this.options.monitor.loadModel(settings.modelPath, { executionProvider: settings.executionProvider })
    }
  }

  onEvent(listener: EventListener): () => void {
    return this.listeners.add(listener)
  }

  private emit(channel: ApiEventChannel, payload: unknown): void {
    this.listeners.emit(channel, payload)
  }

  /** A failure outside any request: a non-fatal error event, without the data folders' paths. */
  private reportError(context: string, error: unknown): void {
    this.emit('event:monitor', {
      type: 'error',
      name: (error as Error).name,
      message: `${context}: ${redactPaths((error as Error).message, this.settings.dataDirs())}`,
      fatal: false,
    })
  }

  private onMonitorEvent(event: MonitorEvent): void {
    this.sources.onMonitorEvent(event)
    this.recordings.onMonitorEvent(event)
    this.emit('event:monitor', event)
  }

  /** Model paths the app itself offers (model:list) or was started with. */
  private knownModelPaths(): string[] {
    const known = listModels(this.options.modelsDir).map((m) => m.path)
    if (this.settings.initialModelPath) known.push(this.settings.initialModelPath)
    return known
  }

  async selectDevice(id: string): Promise<MonitorStatusEvent> {
    if (this.recordings.active) throw new InvalidArgumentError('cannot switch the device while recording; stop the recording first')
    return this.sources.select(id)
  }

  private async stopMonitor(): Promise<MonitorStatusEvent> {
    await this.sources.stop()
    void this.sources.publish()
    return this.options.monitor.status()
  }

  private startRecording(request: RecordingRequest): RecordingStatus {
    const context = {
      dataDir: this.settings.get().dataDir,
      source: this.sources.running,
      modelId: this.options.monitor.status().modelId,
    }
    return this.recordings.start(request, context)
  }

  /** A hardware button press; failures surface as non-fatal monitor errors in the UI. */
  async onHardwareAction(action: HardwareAction): Promise<void> {
    try {
      if (action === 'mark') {
        if (this.recordings.active) this.recordings.mark('button')
      } else if (action === 'record-toggle') {
        if (this.recordings.active) await this.recordings.stop()
        else this.startRecording({ location: 'other' })
      } else if (this.sources.hasSource) {
        await this.stopMonitor()
      } else if (this.sources.lastSourceId) {
        await this.selectDevice(this.sources.lastSourceId)
      }
    } catch (error) {
      this.reportError(`button ${action}`, error)
    }
  }

  private readonly channelHandlers: ApiHandlers = {
    'app:info': async () => ({ version: this.options.version, mode: this.options.mode, attribution: CIRCOR_ATTRIBUTION }),
    'devices:list': async () => this.sources.list(),
    'devices:select': async ({ id }) => this.selectDevice(id),
    'monitor:stop': async () => this.stopMonitor(),
    'monitor:status': async () => this.options.monitor.status(),
    'monitor:acknowledgeAlarm': async ({ kind }) => {
      this.options.monitor.acknowledgeAlarm(kind)
      return { ok: true as const }
    },
    'model:summary': async () => modelSummary(this.options.monitor.modelCard, this.settings.get().modelPath),
    'model:list': async () => listModels(this.options.modelsDir),
    'settings:get': async () => this.settings.get(),
    'settings:update': async (patch) =>
      this.settings.update(patch, {
        knownModelPaths: () => this.knownModelPaths(),
        loadModel: async (path, executionProvider) => {
          await this.options.monitor.loadModel(path, { executionProvider })
        },
        applyMonitorSettings: (monitor) => this.options.monitor.updateSettings(monitor),
      }),
    'recording:start': async (request) => this.startRecording(request),
    'recording:stop': async () => this.recordings.stop(),
    'recording:mark': async ({ label }) => this.recordings.mark(label),
    'recording:status': async () => this.recordings.status(),
    'sessions:list': async ({ text }) => this.options.library.list(text),
    'sessions:get': async ({ id }) => this.options.library.get(id),
    'sessions:audio': async ({ id }) => this.options.library.audio(id),
    'sessions:audioRange': async ({ id, startFrame, frames }) => this.options.library.audioRange(id, startFrame, frames),
    'sessions:peaks': async ({ id, ...request }) => this.options.library.peaks(id, request),
    'sessions:edit': async ({ id, edit }) => this.options.library.edit(id, edit),
    'sessions:update': async ({ id, ...changes }) => this.options.library.update(id, changes),
    'sessions:export': async ({ id, format }) => this.options.library.exportSession(id, format),
    'sessions:beats': async ({ id }) => this.options.library.beats(id),
    'sessions:importWav': async (request) => this.options.library.importWav(request),
    'sessions:importAnnotations': async (request) => this.options.library.importAnnotations(request),
    'sessions:exportFile': async ({ id, kind }) => this.options.library.exportFile(id, kind),
    'sessions:saveAs': async ({ id, kind }) => this.options.library.saveAs(id, kind),
    'app:showInFolder': async ({ path }) => this.options.library.showInFolder(path),
    'sessions:problems': async () => this.options.library.problems(),
    'sessions:repair': async ({ key }) => this.options.library.repair(key),
    'sessions:exportRaw': async ({ key }) => this.options.library.exportRaw(key),
    'sessions:soundSearch': async (request) => this.soundSearch.search(request),
    'pacs:settings': async (request) => this.pacs.settings(request),
    'pacs:configure': async (request) => this.pacs.configure(request),
    'pacs:send': async (request) => this.pacs.send(request),
    'pacs:list': async (request) => this.pacs.list(request),
    'pacs:fetch': async (request) => this.pacs.fetch(request),
    'listening:outputs': async () => listOutputDevices(this.options.listening?.env),
    'listening:status': async () => this.listening.status(),
    'listening:set': async (patch) => this.listening.set(patch),
    'visits:start': async ({ patientId, patientName }) => this.exams.start(patientId, patientName),
    'visits:get': async ({ id }) => this.exams.get(id),
    'visits:list': async () => this.exams.list(),
    'visits:record': async ({ id, point, clipS }) => this.exams.record(id, point, clipS),
  }

  /**
   * One handler per channel, as the transports call them: errors leave with the data folder's
   * absolute path taken out of their message (contract.ts: no paths of ours cross the API).
   */
  readonly handlers: ApiHandlers = withRedactedErrors(this.channelHandlers, () => this.settings.dataDirs())

  get dataDir(): string {
    return this.settings.get().dataDir
  }

  /** Where the stream is now, in seconds: used by the renderer to place marks. */
  streamTimeS(): number {
    return this.recordings.streamTimeS()
  }

  async dispose(): Promise<void> {
    this.recordings.dispose()
    this.listening.dispose()
    await this.sources.stop()
    this.unsubscribeMonitor()
    this.unsubscribeDevices()
    await this.options.monitor.dispose()
    await this.options.library.dispose?.()
    await this.soundSearch.dispose()
    for (const dispose of this.options.onDispose ?? []) await dispose()
    this.listeners.clear()
  }
}
