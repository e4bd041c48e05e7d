/**
 * Everything the live screen shows, as Svelte 5 runes, fed by the API's event streams. The
 * waveform itself is not here (see PcgBuffer): only low-rate, display-sized state is reactive.
 */
import type {
  AlarmEventPayload,
  AlarmKindName,
  AppSettings,
  AuscultaApi,
  DeviceInfo,
  ListeningFilterName,
  ListeningOutputs,
  ListeningPatch,
  ListeningStatus,
  ModelSummary,
  MonitorStatus,
  RecordingStatus,
  WindowEventPayload,
} from '../../../core/api/contract'
import type { SessionLocation } from '../../../core/sessions/session-schema'
import { AlarmCenter } from './alarm-center.svelte'
import { BeatTrack } from './beat-track'
import { liveBlanking, type LiveBlanking } from './live-freshness'
import { LiveListener } from './live-listener'
import { isAudible, listenTogglePatch, listeningRouteFor, sliderGainFromDb, sliderGainToDb, type ListeningRoute } from './listening-route'
import { PcgBuffer } from './pcg-buffer'
import { isRestart, isWindowOfStream } from './stream-restart'

/** Seconds of signal on the strip chart (the issue asks for 5–10 s). */
export const STRIP_SECONDS = 8
/** HR trend kept: 30 minutes at one window a second. */
const TREND_MAX_POINTS = 1800

export interface TrendPoint {
  timeS: number
  /** The displayed (trusted) HR, null when withheld. */
  hrBpm: number | null
  /** The production head's raw estimate, drawn faintly so a withheld stretch is not blank. */
  rawHrBpm: number | null
}

export class LiveState {
  devices = $state<DeviceInfo[]>([])
  status = $state<MonitorStatus | null>(null)
  latest = $state<WindowEventPayload | null>(null)
  model = $state<ModelSummary | null>(null)
  settings = $state<AppSettings | null>(null)
  recording = $state<RecordingStatus>({ recording: false, sessionId: null, elapsedS: 0, markers: 0 })
  /** The alarms shown and sounded, the audio pause and the alarm log of this run. */
  readonly alarmCenter = new AlarmCenter()
  /** The live screen: the bedside view, or the expert view with the layer diagnostics (remembered in the settings). */
  expertView = $state(false)
  filter = $state<ListeningFilterName>('wide')
  /** Auscultation site the next recording is filed under (the 4-point exam). */
  location = $state<SessionLocation>('other')
  lastError = $state<string | null>(null)
  connected = $state(true)
  /** Bumped when the trend gains a point (the trend array itself is not reactive). */
  trendVersion = $state(0)
  /** What screen readers hear: the HR state, updated at most every few seconds. */
  announcement = $state('')
  /** Live listening on the computer's audio output, and its amplification. */
  listening = $state(false)
  listenGain = $state(8)
  /** Input peak (dBFS) held over the last second of strip-chart chunks: a fast meter between window events. */
  chunkPeakDbfs = $state(-120)
  /** Electron: the main process's listening stream (device, latency, dropouts, a lost device). */
  listeningStatus = $state<ListeningStatus | null>(null)
  /** Electron: the output devices the stream can be sent to. */
  outputs = $state<ListeningOutputs | null>(null)
  /** Web Audio in the page (browser mode) or the main process's addon output (Electron). */
  readonly listeningRoute: ListeningRoute

  readonly pcg = new PcgBuffer(STRIP_SECONDS, 'wide')
  private readonly listener = new LiveListener('wide', 8)
  readonly trend: TrendPoint[] = []
  /**
   * The marks made while recording (Mark, M, a stethoscope's button), in stream seconds: drawn on
   * the strip chart where the signal was when the mark came in (the newest sample on screen).
   */
  readonly userMarks: Array<{ timeS: number; label: string }> = []
  /** Beat-by-beat S1/S2 onsets from the window events: the strip chart's marks and the beat-interval plot. */
  readonly beats = new BeatTrack()
  /** Source of the pcg events the strip chart holds (null before the first). */
  private streamSourceId: string | null = null
  beatsVersion = $state(0)
  /** The user picked another source; its stream has not started yet. */
  switching = $state(false)
  /** A clock for the freshness rules (ticks while the app runs). */
  nowMs = $state(Date.now())
  /** When this screen saw the current stream start, its latest window and its latest chunk arrive. */
  private streamStartedAtMs = $state<number | null>(null)
  private lastWindowAtMs = $state<number | null>(null)
  private lastSignalAtMs = $state<number | null>(null)
  private readonly recentPeaks: number[] = []
  private lastAnnouncedAtMs = 0
  private lastAnnouncedState = ''

  constructor(
    readonly api: AuscultaApi,
    mode: 'electron' | 'browser' = 'browser',
  ) {
    this.listeningRoute = listeningRouteFor(mode)
  }

  /** Raised and acknowledged alarms: both keep their colour while their condition persists. */
  get alarms(): AlarmEventPayload[] {
    return this.alarmCenter.alarms
  }

  /** What may not be shown now, and why: a stopped, failed or switching source, or a stream gone quiet. */
  blanking: LiveBlanking = $derived(
    liveBlanking({
      status: this.status,
      switching: this.switching,
      nowMs: this.nowMs,
      streamStartedAtMs: this.streamStartedAtMs,
      lastWindowAtMs: this.lastWindowAtMs,
      lastSignalAtMs: this.lastSignalAtMs,
      windowSeconds: this.model?.windowSeconds ?? this.settings?.monitor.windowSeconds ?? 5,
    }),
  )
  /** The latest window event while it may be shown (its HR, readings, level and flags), else null. */
  shownWindow = $derived(this.blanking.hr ? null : this.latest)

  async start(): Promise<void> {
    // 4 ticks a second, for the page's lifetime: a stream gone quiet is marked within 0.25 s of its limit.
    setInterval(() => {
      this.nowMs = Date.now()
      this.alarmCenter.tick(this.nowMs)
    }, 250)
    this.api.on('event:monitor', (event) => {
      switch (event.type) {
        case 'pcg': {
          // Only the running stream's samples (a chunk never outlives its stream's stop).
          if (this.status?.state !== 'running' || (this.status.sourceId !== null && event.sourceId !== this.status.sourceId)) break
          this.lastSignalAtMs = Date.now()
          let peak = 0
          for (const v of event.samples) peak = Math.max(peak, Math.abs(v))
          // Peak hold over the last ~1 s of chunks: a meter that dips between heartbeats is unreadable.
          this.recentPeaks.push(peak)
          if (this.recentPeaks.length > 10) this.recentPeaks.shift()
          const held = Math.max(...this.recentPeaks)
          this.chunkPeakDbfs = held > 0 ? 20 * Math.log10(held) : -120
          if (isRestart(this.streamSourceId, this.pcg, event)) this.onStreamRestart()
          this.streamSourceId = event.sourceId
          this.pcg.append(event.samples, event.sampleRateHz, event.firstSampleIndex)
          if (this.listeningRoute === 'web-audio') this.listener.push(event.samples, event.sampleRateHz)
          break
        }
        case 'window':
          this.onWindow(event)
          break
        case 'status':
          this.onStatus(event)
          if (event.modelId !== this.model?.id) void this.refreshModel()
          break
        case 'alarm':
          this.onAlarm(event)
          break
        case 'error':
          this.lastError = `${event.name}: ${event.message}`
          break
      }
    })
    this.api.on('event:recording', (status) => this.onRecordingStatus(status))
    this.api.on('event:devices', (devices) => (this.devices = devices))
    const [devices, status, recording, settings] = await Promise.all([
      this.api.invoke('devices:list', {}),
      this.api.invoke('monitor:status', {}),
      this.api.invoke('recording:status', {}),
      this.api.invoke('settings:get', {}),
    ])
    this.devices = devices
    // Events may have brought a newer status while these were on their way.
    if (this.status === null) this.onStatus(status)
    this.recording = recording
    this.settings = settings
    this.expertView = settings.display?.expertView ?? false
    if (this.listeningRoute === 'addon') await this.startAddonListening()
    await this.refreshModel()
  }

  private async startAddonListening(): Promise<void> {
    this.api.on('event:listening', (status) => this.onListeningStatus(status))
    const [status, outputs] = await Promise.all([this.api.invoke('listening:status', {}), this.api.invoke('listening:outputs', {})])
    this.outputs = outputs
    this.onListeningStatus(status)
    // The saved gain and filter are the starting point (the filter also drives the strip chart).
    this.listenGain = sliderGainFromDb(status.gainDb)
    this.filter = status.filter
    this.pcg.setMode(status.filter)
  }

  private onListeningStatus(status: ListeningStatus): void {
    this.listeningStatus = status
    this.listening = isAudible(status)
    const output = status.outputDeviceId ? (this.outputs?.devices.find((d) => d.id === status.outputDeviceId) ?? null) : null
    this.alarmCenter.setOutput(output?.name ?? null)
  }

  async refreshOutputs(): Promise<void> {
    if (this.listeningRoute !== 'addon') return
    await this.run(async () => {
      this.outputs = await this.api.invoke('listening:outputs', {})
    })
  }

  /** Electron: send listening to another output device (null: the system default). */
  async selectOutput(id: string | null): Promise<void> {
    await this.run(async () => {
      this.onListeningStatus(await this.api.invoke('listening:set', { outputDeviceId: id }))
    })
  }

  private setAddonListening(patch: ListeningPatch): void {
    void this.run(async () => {
      this.onListeningStatus(await this.api.invoke('listening:set', patch))
    })
  }

  async refreshModel(): Promise<void> {
    this.model = await this.api.invoke('model:summary', {})
  }

  /** A recording's status; each new marker in it is placed on the strip chart at the newest sample. */
  private onRecordingStatus(status: RecordingStatus): void {
    const added = status.recording && this.recording.recording ? status.markers - this.recording.markers : 0
    if (added > 0 && this.pcg.sampleRateHz > 0 && this.pcg.length > 0) {
      const timeS = this.pcg.lastSampleIndex / this.pcg.sampleRateHz
      for (let k = 0; k < added; k++) this.userMarks.push({ timeS, label: 'mark' })
      // Marks older than the strip chart's view are not drawn; keep the list short.
      const oldestS = timeS - STRIP_SECONDS
      while (this.userMarks.length > 0 && this.userMarks[0]!.timeS < oldestS) this.userMarks.shift()
    }
    this.recording = status
  }

  /**
   * A stream starts, stops, fails or is replaced. Whatever is not running any more leaves the
   * screen at once: the HR, the level, the strip chart and its marks.
   */
  private onStatus(status: MonitorStatus): void {
    const previous = this.status
    this.status = status
    if (status.state === 'running') {
      const sameStream = previous?.state === 'running' && previous.sourceId === status.sourceId
      if (!sameStream) {
        // The monitor starts every stream with its alarms reset: none of the old stream's stays.
        if (previous?.state === 'running') this.alarmCenter.endAll(Date.now(), 'another stream started')
        this.clearLiveValues()
        this.streamStartedAtMs = Date.now()
      }
      this.switching = false
      return
    }
    this.clearLiveValues()
    this.streamStartedAtMs = null
    // Stopped or switched by the user: its alarms end with it. A source that failed keeps them (the device is lost).
    if (status.stopReason?.kind !== 'source-failed') this.alarmCenter.endAll(Date.now(), 'monitoring stopped')
    const blank = this.blanking.stream
    if (blank && previous?.state === 'running') this.announcement = blank.reason
  }

  /** Forgets every value of the stream: nothing from it may be shown any more. */
  private clearLiveValues(): void {
    this.userMarks.length = 0
    this.latest = null
    this.lastWindowAtMs = null
    this.lastSignalAtMs = null
    this.recentPeaks.length = 0
    this.chunkPeakDbfs = -120
    this.pcg.clear()
    this.streamSourceId = null
    this.beats.clear()
    this.beatsVersion++
    this.lastAnnouncedState = ''
  }

  /** Whether a window event comes from the stream running now (not one stopped or replaced while it was analysed). */
  private isOfRunningStream(event: WindowEventPayload): boolean {
    return this.status?.state === 'running' && !this.switching && (this.status.sourceId === null || event.sourceId === this.status.sourceId)
  }

  private onWindow(event: WindowEventPayload): void {
    if (!this.isOfRunningStream(event)) return
    this.lastWindowAtMs = Date.now()
    this.latest = event
    this.trend.push({ timeS: event.windowEndS, hrBpm: event.display.hrBpm, rawHrBpm: event.hrBpm })
    if (this.trend.length > TREND_MAX_POINTS) this.trend.splice(0, this.trend.length - TREND_MAX_POINTS)
    this.trendVersion++
    if (event.beats && this.isCurrentStream(event)) {
      this.beats.add(event.beats)
      this.beatsVersion++
    }
    this.announce(event)
  }

  /**
   * Whether a window belongs to the stream the strip chart shows. A window analysed just before a
   * restart can arrive after it: its beats would be marks at times the new stream has not reached.
   */
  private isCurrentStream(event: WindowEventPayload): boolean {
    return isWindowOfStream(this.streamSourceId, this.pcg, event)
  }

  /** The source restarted its stream (clock back to 0, or another source): old samples and marks belong to another time line. */
  private onStreamRestart(): void {
    this.userMarks.length = 0
    this.pcg.clear()
    this.beats.clear()
    this.beatsVersion++
  }

  /** Announce state changes at once, the number itself at most every 15 s (a screen reader reading every second is noise). */
  private announce(event: WindowEventPayload): void {
    const now = Date.now()
    const state = event.display.state
    const hr = event.display.hrBpm
    if (state !== this.lastAnnouncedState || (hr !== null && now - this.lastAnnouncedAtMs > 15_000)) {
      this.lastAnnouncedState = state
      this.lastAnnouncedAtMs = now
      this.announcement =
        hr !== null ? `Heart rate ${Math.round(hr)} beats per minute` : `No reliable heart rate: ${event.display.reason ?? state}`
    }
  }

  private onAlarm(event: AlarmEventPayload): void {
    this.alarmCenter.onEvent(event, Date.now())
  }

  /** Bedside or expert view; remembered in the settings (a failed save keeps the view and says so). */
  async setExpertView(on: boolean): Promise<void> {
    this.expertView = on
    await this.run(async () => {
      this.settings = await this.api.invoke('settings:update', { display: { expertView: on } })
    })
  }

  /** Silences every alarm sounding now for 2 min (a new alarm still sounds); pressing again ends the pause. */
  toggleAlarmAudioPause(): void {
    if (this.alarmCenter.pause) this.alarmCenter.resumeAudio(Date.now())
    else this.alarmCenter.pauseAudio(Date.now())
  }

  setFilter(mode: ListeningFilterName): void {
    this.filter = mode
    this.pcg.setMode(mode)
    if (this.listeningRoute === 'addon') this.setAddonListening({ filter: mode })
    else this.listener.setMode(mode)
  }

  /** Must run from a user gesture (click or key): browsers only start audio output then. */
  toggleListening(): void {
    if (this.listeningRoute === 'addon') {
      const patch = listenTogglePatch(this.listening)
      // Shown at once; the status from the main process confirms or corrects it.
      this.listening = !patch.muted
      this.setAddonListening(patch)
      return
    }
    if (this.listener.active) this.listener.stop()
    else this.listener.start()
    this.listening = this.listener.active
  }

  setListenGain(gain: number): void {
    this.listenGain = gain
    if (this.listeningRoute === 'addon') this.setAddonListening({ gainDb: sliderGainToDb(gain) })
    else this.listener.setGain(gain)
  }

  async selectDevice(id: string): Promise<void> {
    // Blank at once, before the backend has even stopped the old source.
    this.switching = true
    this.clearLiveValues()
    this.announcement = 'Switching source…'
    this.trend.length = 0
    this.trendVersion++
    try {
      await this.run(async () => {
        this.onStatus(await this.api.invoke('devices:select', { id }))
      })
    } finally {
      // A failed start: its status event (stopped, with the reason) is already in.
      this.switching = false
      this.devices = await this.api.invoke('devices:list', {}).catch(() => this.devices)
    }
  }

  async stopMonitor(): Promise<void> {
    await this.run(async () => {
      this.onStatus(await this.api.invoke('monitor:stop', {}))
    })
  }

  async acknowledge(kind?: AlarmKindName): Promise<void> {
    const kinds = kind ? [kind] : this.alarmCenter.raisedKinds
    await this.run(async () => {
      for (const k of kinds) await this.api.invoke('monitor:acknowledgeAlarm', { kind: k })
    })
  }

  async toggleRecording(): Promise<void> {
    await this.run(async () => {
      if (this.recording.recording) {
        await this.api.invoke('recording:stop', {})
        this.recording = await this.api.invoke('recording:status', {})
      } else {
        this.recording = await this.api.invoke('recording:start', { location: this.location })
      }
    })
  }

  async mark(): Promise<void> {
    if (!this.recording.recording) return
    await this.run(async () => {
      await this.api.invoke('recording:mark', { label: 'mark' })
    })
  }

  private async run(action: () => Promise<void>): Promise<void> {
    try {
      this.lastError = null
      await action()
    } catch (error) {
      this.lastError = (error as Error).message
    }
  }
}
