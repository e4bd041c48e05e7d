/**
 * What the live monitor engine emits for every analysed window, and the alarm/status events
 * around it. Plain data (structured-clone and JSON safe) so it crosses worker, IPC and WebSocket
 * boundaries unchanged; the API contract (src/core/api) validates it at both ends.
 */

export type SignalQualityFlag = 'silence' | 'clipping' | 'noise' | 'contact-lost'

export interface InputLevel {
  rmsDbfs: number
  peakDbfs: number
  /** Share of samples at or near full scale in the window, in [0, 1]. */
  clippedShare: number
}

export interface LayerReading {
  index: number
  name: string
  hrBpm: number
  confidence: number
  /** The layer's validation MAE from the model card, for the diagnostics table. */
  validationMaeBpm: number
}

/** `check`: a number exists but is withheld until confirmed (a sudden jump, estimators that disagree). */
export type DisplayState = 'reliable' | 'unreliable' | 'no-signal' | 'warming-up' | 'check'

export interface DisplayedHr {
  /** Smoothed over recent confident windows; null whenever the number cannot be trusted. */
  hrBpm: number | null
  state: DisplayState
  /** Why the HR is not shown, in words a nurse understands. */
  reason?: string
  /** Machine-readable reason from the display decision (src/core/hr/hr-decision.ts). */
  code?: string
  /** Calibrated probability that this window's estimate is within 5 bpm, in [0, 1]. */
  confidence?: number
}

/**
 * Beat-level reading of one window, times in stream seconds: from the model's segmentation head
 * (src/core/hr/segmentation-beats.ts) when the loaded model has one, else from the envelope
 * detector (src/core/hr/beat-detection.ts).
 */
export interface WindowBeats {
  /** Which detector produced these beats (the segmentation head is the more accurate: models/BEATS.md). */
  source: 'segmentation' | 'envelope'
  s1OnsetsS: number[]
  s2OnsetsS: number[]
  /** S1→S1 intervals between consecutive detected beats, seconds. */
  intervalsS: number[]
  /** Coefficient of variation of those intervals; null below 3 intervals. */
  irregularity: number | null
  /** irregularity above 0.1. */
  irregular: boolean
}

export interface WindowEvent {
  type: 'window'
  /** Monotonic window number within the stream. */
  seq: number
  sourceId: string
  /** Stream time (seconds since the source started) of the window's start and end. */
  windowStartS: number
  windowEndS: number
  /** Milliseconds from the moment the window's last sample arrived to this event. */
  latencyMs: number
  modelId: string
  /** Production head (null when the model could not run, e.g. none loaded). */
  hrBpm: number | null
  confidence: number
  layers: LayerReading[]
  classical: { hrBpm: number | null; quality: number }
  level: InputLevel
  flags: SignalQualityFlag[]
  display: DisplayedHr
  /** Windows dropped so far because inference fell behind. */
  droppedWindows: number
  /** S1/S2 onsets and rhythm of this window; absent when the beat detector did not run. */
  beats?: WindowBeats
}

export type AlarmKind = 'hr-high' | 'hr-low' | 'signal-lost'
export type AlarmState = 'raised' | 'acknowledged' | 'cleared'

/** IEC 60601-1-8 priorities (src/core/alarms/alarm-priority.ts, docs/alarms.md); this monitor raises no high-priority alarm. */
export type AlarmPriority = 'high' | 'medium' | 'low'

export interface AlarmEvent {
  type: 'alarm'
  kind: AlarmKind
  state: AlarmState
  /** Stream time of the transition. */
  atS: number
  message: string
  priority?: AlarmPriority
  /** HR alarms: the displayed HR that raised the alarm (raised) or the last one seen (acknowledged, cleared). */
  valueBpm?: number
  /** HR alarms: the limit it is judged against. */
  limitBpm?: number
}

export interface MonitorErrorEvent {
  type: 'error'
  /** Error class name, e.g. 'InvalidChunkError'. */
  name: string
  message: string
  /** False when the engine keeps running after it. */
  fatal: boolean
}

/**
 * Why a stream that ran is no longer running: the screen blanks every value from it at once and
 * says this instead (a number must never outlive the signal it came from).
 */
export interface MonitorStopReason {
  /**
   * 'stopped': by the user (or a hardware button); 'switching': another source is being started;
   * 'source-failed': the source could not start.
   */
  kind: 'stopped' | 'switching' | 'source-failed'
  /** For 'source-failed': the source's own error message (at most MAX_STOP_DETAIL_CHARS). */
  detail?: string
}

/** A stop reason's detail is cut to this length (an error message can quote a whole path). */
export const MAX_STOP_DETAIL_CHARS = 500

export interface MonitorStatusEvent {
  type: 'status'
  state: 'idle' | 'running' | 'stopped'
  /** Present when `state` is 'stopped'. */
  stopReason?: MonitorStopReason
  sourceId: string | null
  modelId: string | null
  executionProvider: string | null
  /** Why an accelerated provider was not used, if it was not. */
  providerNote?: string
  droppedWindows: number
  analysedWindows: number
}

/** A short stretch of the (model-rate) signal for the strip chart, sent several times a second. */
export interface PcgChunkEvent {
  type: 'pcg'
  sourceId: string
  sampleRateHz: number
  firstSampleIndex: number
  samples: number[]
}

export type MonitorEvent = WindowEvent | AlarmEvent | MonitorErrorEvent | MonitorStatusEvent | PcgChunkEvent

export interface AlarmLimits {
  hrHighBpm: number
  hrLowBpm: number
  /** Seconds the condition must hold before the alarm is raised. */
  sustainSeconds: number
  /** Seconds without a usable signal before 'signal-lost'. */
  signalLostSeconds: number
}

export interface MonitorSettings {
  windowSeconds: number
  hopSeconds: number
  alarms: AlarmLimits
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = {
  windowSeconds: 5,
  hopSeconds: 1,
  alarms: { hrHighBpm: 150, hrLowBpm: 45, sustainSeconds: 10, signalLostSeconds: 10 },
}
