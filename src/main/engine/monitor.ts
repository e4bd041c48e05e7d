/**
 * The live monitor: any PCM source in, window events out. Chunks are checked, resampled to the
 * model's rate and kept in a ring; every hop the latest window goes to the inference worker; each
 * result becomes a window event with the production HR, every layer's reading, the classical
 * cross-check, signal quality, the displayed (smoothed or withheld) HR, and alarm transitions.
 */
import { performance } from 'node:perf_hooks'
import { StreamingResampler } from '../../core/dsp/resample'
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import type { ModelCard } from '../../core/model/model-card'
import {
  DEFAULT_MONITOR_SETTINGS,
  type AlarmKind,
  type DisplayedHr,
  type LayerReading,
  type MonitorEvent,
  type MonitorSettings,
  type MonitorStatusEvent,
  type MonitorStopReason,
  type WindowEvent,
} from '../../core/monitor/monitor-events'
import { checkMonitorSettings } from '../../core/monitor/monitor-settings'
import { stopDetail } from '../../core/monitor/stop-reason'
import { ListenerSet } from '../listener-set'
import type { PcmChunk, PcmSource, SourceEvent } from '../devices/source'
import type { ExecutionProviderChoice } from '../model/execution-providers'
import { AlarmMachine } from './alarm-machine'
import { deciderFor, displayedFrom, windowEvidence } from './display-decision'
import { InferenceClient, type InferenceWorkerError } from './inference-client'
import type { LoadedModelInfo, WindowAnalysis } from './inference-protocol'
import { SampleRing } from './sample-ring'

/** A chunk the engine cannot use (NaN samples, no samples, an impossible rate). */
export class InvalidChunkError extends AuscultaError {}

/** The rate the engine analyses at when no model card says otherwise (CirCor's and the encoder's). */
export const DEFAULT_MODEL_RATE_HZ = 4000
/** Audio kept in the ring: enough for a window plus generous slack for bursty sources. */
const RING_SECONDS = 30
/** "Irregular rhythm" needs at least 3 of the last 5 windows flagged by the beat detector. */
const IRREGULAR_WINDOWS = 5
const IRREGULAR_MIN_FLAGGED = 3
/** Device rates from 1 kHz (narrowband serial scopes) to 384 kHz (studio cards) are plausible. */
const MIN_SOURCE_RATE_HZ = 1000
const MAX_SOURCE_RATE_HZ = 384_000

export interface MonitorOptions {
  settings?: Partial<MonitorSettings>
  /** Strip-chart updates per second of audio. */
  pcgEventsPerSecond?: number
}

interface WindowMeta {
  seq: number
  /** The stream (start) the window was cut from: results of an earlier one are dropped. */
  generation: number
  sourceId: string
  endSample: number
  submittedAtMs: number
}

export class Monitor {
  /** A faulty listener (a closed window, a dropped socket) must not stop the monitor: its failure is dropped. */
  private readonly listeners = new ListenerSet<[MonitorEvent]>('monitor', () => {})
  private settings: MonitorSettings
  private readonly client: InferenceClient<WindowMeta>
  /** Replaced when a model loads: the decision uses that model's calibration. */
  private decider = deciderFor(null, 'none')
  private readonly alarms: AlarmMachine
  private model: LoadedModelInfo | null = null
  private source: PcmSource | null = null
  private unsubscribe: (() => void) | null = null
  private ring = new SampleRing(DEFAULT_MODEL_RATE_HZ * RING_SECONDS)
  private resampler: StreamingResampler | null = null
  private sourceRateHz = 0
  private nextWindowEnd = 0
  private seq = 0
  /** Samples not yet sent to the strip chart (at most one event's worth). */
  private pcgPending = new Float32Array(0)
  private pcgPendingLength = 0
  private pcgFirstIndex = 0
  private readonly pcgEventsPerSecond: number
  private lastChunkAtMs = 0
  private watchdog: NodeJS.Timeout | null = null
  private state: MonitorStatusEvent['state'] = 'idle'
  private stopReason: MonitorStopReason | null = null
  /** Bumped at every start and stop: a window analysed for an earlier stream is never emitted. */
  private generation = 0
  private recentIrregular: boolean[] = []

  constructor(options: MonitorOptions = {}) {
    this.settings = {
      ...DEFAULT_MONITOR_SETTINGS,
      ...options.settings,
      alarms: { ...DEFAULT_MONITOR_SETTINGS.alarms, ...options.settings?.alarms },
    }
    checkMonitorSettings(this.settings)
    this.alarms = new AlarmMachine(this.settings.alarms)
    this.pcgEventsPerSecond = options.pcgEventsPerSecond ?? 10
    this.client = new InferenceClient<WindowMeta>((result) => {
      if ('error' in result) this.onInferenceError(result.meta, result.error)
      else this.onAnalysis(result.meta, result.analysis)
    })
  }

  get modelCard(): ModelCard | null {
    return this.model?.card ?? null
  }

  get modelRateHz(): number {
    return this.model?.card.input.sampleRateHz ?? DEFAULT_MODEL_RATE_HZ
  }

  private get windowSamples(): number {
    return Math.round(this.settings.windowSeconds * this.modelRateHz)
  }

  private get hopSamples(): number {
    return Math.round(this.settings.hopSeconds * this.modelRateHz)
  }

  on(listener: (event: MonitorEvent) => void): () => void {
    return this.listeners.add(listener)
  }

  private emit(event: MonitorEvent): void {
    this.listeners.emit(event)
  }

  private emitError(error: Error, fatal = false): void {
    this.emit({ type: 'error', name: error.name, message: error.message, fatal })
  }

  /** Loads (or swaps to) a model; a running stream continues and uses it from the next window. */
  async loadModel(onnxPath: string, options: { executionProvider?: ExecutionProviderChoice } = {}): Promise<LoadedModelInfo> {
    const info = await this.client.loadModel(onnxPath, options.executionProvider ?? 'cpu')
    const card = info.card
    if (this.state === 'running' && card.input.sampleRateHz !== this.modelRateHz) {
      throw new InvalidArgumentError(
        `${onnxPath}: takes ${card.input.sampleRateHz} Hz, the running stream is analysed at ${this.modelRateHz} Hz; stop the ` +
          `stream to switch`,
      )
    }
    this.model = info
    this.decider = deciderFor(info.card)
    this.settings = { ...this.settings, windowSeconds: card.input.windowSeconds }
    this.emit(this.status())
    return info
  }

  updateSettings(settings: Partial<MonitorSettings>): void {
    const next: MonitorSettings = { ...this.settings, ...settings, alarms: { ...this.settings.alarms, ...settings.alarms } }
    checkMonitorSettings(next)
    if (this.model && next.windowSeconds !== this.model.card.input.windowSeconds) {
      throw new InvalidArgumentError(
        `windowSeconds ${next.windowSeconds}: the model ${this.model.card.id} takes ${this.model.card.input.windowSeconds}-s windows`,
      )
    }
    this.settings = next
    this.alarms.setLimits(next.alarms)
  }

  getSettings(): MonitorSettings {
    return structuredClone(this.settings)
  }

  acknowledgeAlarm(kind: AlarmKind): void {
    const event = this.alarms.acknowledge(kind, this.streamTimeS())
    if (event) this.emit(event)
  }

  /** Makes the worker slow on purpose (tests of window dropping). */
  async simulateSlowInference(delayMs: number): Promise<void> {
    await this.client.setArtificialDelay(delayMs)
  }

  status(): MonitorStatusEvent {
    const failed = this.model?.attempts.filter((attempt) => !attempt.ok) ?? []
    return {
      type: 'status',
      state: this.state,
      ...(this.state === 'stopped' && this.stopReason ? { stopReason: { ...this.stopReason } } : {}),
      sourceId: this.source?.id ?? null,
      modelId: this.model ? `${this.model.card.id}@${this.model.card.version}` : null,
      executionProvider: this.model?.provider ?? null,
      ...(failed.length > 0
        ? { providerNote: failed.map((attempt) => `${attempt.provider}: ${attempt.reason ?? 'failed'}`).join('; ') }
        : {}),
      droppedWindows: this.client.droppedWindows,
      analysedWindows: this.client.analysedWindows,
    }
  }

  async start(source: PcmSource): Promise<void> {
    await this.stop({ kind: 'switching' })
    this.generation++
    this.stopReason = null
    this.source = source
    this.ring = new SampleRing(Math.max(this.windowSamples * 2, this.modelRateHz * RING_SECONDS))
    this.resampler = null
    this.sourceRateHz = 0
    this.nextWindowEnd = this.windowSamples
    this.pcgPending = new Float32Array(Math.max(1, Math.round(this.modelRateHz / this.pcgEventsPerSecond)))
    this.pcgPendingLength = 0
    this.pcgFirstIndex = 0
    this.decider.reset()
    this.recentIrregular = []
    this.alarms.reset()
    this.lastChunkAtMs = performance.now()
    this.unsubscribe = source.on((event) => this.onSourceEvent(event))
    this.state = 'running'
    this.watchdog = setInterval(() => this.checkSignalPresence(), 1000)
    this.emit(this.status())
    try {
      await source.start()
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error))
      this.emitError(failure, true)
      await this.stop({ kind: 'source-failed', detail: stopDetail(failure.message) })
    }
  }

  /**
   * Stops the stream; the status event says why (`reason`, default: stopped by the user). Windows
   * still being analysed for it are dropped: nothing from a stopped stream reaches the screen.
   */
  async stop(reason: MonitorStopReason = { kind: 'stopped' }): Promise<void> {
    this.generation++
    if (this.watchdog) clearInterval(this.watchdog)
    this.watchdog = null
    const source = this.source
    this.unsubscribe?.()
    this.unsubscribe = null
    if (source) {
      try {
        await source.stop()
      } catch (error) {
        this.emitError(error instanceof Error ? error : new Error(String(error)))
      }
    }
    if (this.state === 'running') {
      this.state = 'stopped'
      this.stopReason = reason
      this.emit(this.status())
    }
  }

  /** Resolves once every submitted window has been analysed and emitted. */
  async drain(): Promise<void> {
    await this.client.drain()
  }

  async dispose(): Promise<void> {
    await this.stop()
    await this.client.close()
    this.listeners.clear()
  }

  private streamTimeS(): number {
    return this.ring.totalWritten / this.modelRateHz
  }

  private onSourceEvent(event: SourceEvent): void | Promise<void> {
    switch (event.type) {
      case 'chunk':
        return this.ingest(event.chunk)
      case 'error':
        this.emitError(event.error)
        return
      case 'overrun':
        this.emitError(new InvalidChunkError(`the device dropped ${event.lostSamples} samples (input overrun)`))
        return
      case 'status':
        if (event.status === 'lost' || event.status === 'error')
          this.emitError(new AuscultaError(`source ${this.source?.label ?? ''}: ${event.status}${event.detail ? `: ${event.detail}` : ''}`))
        return
      case 'end':
        return
    }
  }

  private checkChunk(chunk: PcmChunk): InvalidChunkError | null {
    const rate = chunk.sampleRateHz
    if (!(chunk.samples instanceof Float32Array)) return new InvalidChunkError('chunk samples are not a Float32Array')
    if (chunk.samples.length === 0) return new InvalidChunkError('empty chunk (no samples)')
    if (!Number.isFinite(rate) || rate < MIN_SOURCE_RATE_HZ || rate > MAX_SOURCE_RATE_HZ) {
      return new InvalidChunkError(`chunk sample rate ${rate} Hz is outside ${MIN_SOURCE_RATE_HZ}–${MAX_SOURCE_RATE_HZ} Hz`)
    }
    for (let i = 0; i < chunk.samples.length; i++) {
      if (!Number.isFinite(chunk.samples[i] as number))
        return new InvalidChunkError(`chunk has a non-finite sample (${chunk.samples[i]}) at offset ${i}; chunk dropped`)
    }
    return null
  }

  private ingest(chunk: PcmChunk): void | Promise<void> {
    if (this.state !== 'running') return
    const problem = this.checkChunk(chunk)
    if (problem) {
      this.emitError(problem)
      return
    }
    this.lastChunkAtMs = performance.now()
    if (chunk.sampleRateHz !== this.sourceRateHz) {
      if (this.sourceRateHz !== 0)
        this.emitError(
          new InvalidChunkError(`source sample rate changed from ${this.sourceRateHz} to ${chunk.sampleRateHz} Hz; resampling follows it`),
        )
      this.sourceRateHz = chunk.sampleRateHz
      this.resampler = chunk.sampleRateHz === this.modelRateHz ? null : new StreamingResampler(chunk.sampleRateHz, this.modelRateHz)
    }
    const atModelRate = this.resampler ? this.resampler.process(chunk.samples) : chunk.samples
    // Feed the ring hop by hop so a large chunk can never overwrite a window before it is taken.
    for (let offset = 0; offset < atModelRate.length; offset += this.hopSamples) {
      const piece = atModelRate.subarray(offset, Math.min(atModelRate.length, offset + this.hopSamples))
      this.ring.push(piece)
      this.queueStripChart(piece)
      while (this.ring.totalWritten >= this.nextWindowEnd) {
        const lag = this.ring.totalWritten - this.nextWindowEnd
        const window = this.ring.latest(lag + this.windowSamples).subarray(0, this.windowSamples)
        this.client.submit({
          window,
          sampleRateHz: this.modelRateHz,
          meta: {
            seq: ++this.seq,
            generation: this.generation,
            sourceId: this.source?.id ?? '',
            endSample: this.nextWindowEnd,
            submittedAtMs: performance.now(),
          },
        })
        this.nextWindowEnd += this.hopSamples
      }
    }
    return this.client.whenReady()
  }

  private queueStripChart(samples: Float32Array): void {
    const eventLength = this.pcgPending.length
    if (eventLength === 0) return // not started
    let offset = 0
    while (offset < samples.length) {
      const take = Math.min(eventLength - this.pcgPendingLength, samples.length - offset)
      this.pcgPending.set(samples.subarray(offset, offset + take), this.pcgPendingLength)
      this.pcgPendingLength += take
      offset += take
      if (this.pcgPendingLength === eventLength) {
        // number[]: the event crosses IPC / WebSocket as JSON.
        this.emit({
          type: 'pcg',
          sourceId: this.source?.id ?? '',
          sampleRateHz: this.modelRateHz,
          firstSampleIndex: this.pcgFirstIndex,
          samples: Array.from(this.pcgPending),
        })
        this.pcgFirstIndex += eventLength
        this.pcgPendingLength = 0
      }
    }
  }

  private layerReadings(analysis: WindowAnalysis): LayerReading[] {
    const layers = this.model?.card.layers ?? []
    return analysis.layers.map((estimate, i) => ({
      index: layers[i]?.index ?? i,
      name: layers[i]?.name ?? `layer ${i}`,
      hrBpm: estimate.hrBpm,
      confidence: estimate.confidence,
      validationMaeBpm: layers[i]?.validation.maeBpm ?? Number.NaN,
    }))
  }

  /** Whether a result belongs to the stream running now (not to a stopped or replaced one). */
  private isCurrent(meta: WindowMeta): boolean {
    return this.state === 'running' && meta.generation === this.generation
  }

  private onAnalysis(meta: WindowMeta, analysis: WindowAnalysis): void {
    if (!this.isCurrent(meta)) return
    const hrBpm = analysis.production?.hrBpm ?? null
    const confidence = analysis.production?.confidence ?? 0
    const display = displayedFrom(this.decider.decide(windowEvidence(analysis)))
    const endS = meta.endSample / this.modelRateHz
    const event: WindowEvent = {
      type: 'window',
      seq: meta.seq,
      sourceId: meta.sourceId,
      windowStartS: endS - this.settings.windowSeconds,
      windowEndS: endS,
      latencyMs: performance.now() - meta.submittedAtMs,
      modelId: analysis.modelId ?? 'none',
      hrBpm,
      confidence,
      layers: this.layerReadings(analysis),
      classical: analysis.classical,
      level: analysis.level,
      flags: analysis.flags,
      display,
      droppedWindows: this.client.droppedWindows,
    }
    if (analysis.beats) {
      const startS = event.windowStartS
      const toStream = (onsetsS: number[]): number[] => onsetsS.map((t) => t + startS)
      // One window's flag is noisy (a single missed beat, or a child's normal breathing-related
      // variation, lifts its interval spread past the threshold in about 1 window in 10 on
      // regular samples/ recordings): the rhythm is called irregular only when most recent
      // windows agree.
      this.recentIrregular = [...this.recentIrregular, analysis.beats.irregular].slice(-IRREGULAR_WINDOWS)
      const irregular = this.recentIrregular.filter(Boolean).length >= IRREGULAR_MIN_FLAGGED
      event.beats = {
        ...analysis.beats,
        irregular,
        s1OnsetsS: toStream(analysis.beats.s1OnsetsS),
        s2OnsetsS: toStream(analysis.beats.s2OnsetsS),
      }
    }
    this.emit(event)
    for (const alarm of this.alarms.update(display, endS)) this.emit(alarm)
  }

  private onInferenceError(meta: WindowMeta, error: InferenceWorkerError): void {
    if (!this.isCurrent(meta)) return
    this.emitError(error)
    // The window could not be analysed: nothing may be shown for it, and the track starts afresh.
    this.decider.reset()
    const display: DisplayedHr = { hrBpm: null, state: 'unreliable', code: 'no-estimate', reason: 'no model result' }
    for (const alarm of this.alarms.update(display, meta.endSample / this.modelRateHz)) this.emit(alarm)
  }

  /** No chunks at all (a device unplugged, a serial cable pulled) also means the signal is lost. */
  private checkSignalPresence(): void {
    if (this.state !== 'running') return
    const silentForS = (performance.now() - this.lastChunkAtMs) / 1000
    if (silentForS < 2) return
    const atS = this.streamTimeS() + silentForS
    for (const alarm of this.alarms.update({ hrBpm: null, state: 'no-signal', reason: 'no samples from the device' }, atS)) this.emit(alarm)
  }
}
