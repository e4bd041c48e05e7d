/**
 * What the live monitor engine emits for every analysed window, and the alarm/status events
 * around it: each shape once, as a zod schema with its type derived (z.infer). Plain data
 * (structured-clone and JSON safe) so it crosses worker, IPC and WebSocket boundaries unchanged;
 * the API contract (src/core/api/contract.ts) validates it at both ends with these schemas.
 */
import { z } from 'zod'

export { DEFAULT_MONITOR_SETTINGS, type AlarmLimits, type MonitorSettings } from './monitor-settings'

const finite = z.number().refine(Number.isFinite, 'must be a finite number')

export const signalQualityFlagSchema = z.enum(['silence', 'clipping', 'noise', 'contact-lost'])
export type SignalQualityFlag = z.infer<typeof signalQualityFlagSchema>

export const inputLevelSchema = z.object({
  rmsDbfs: z.number(),
  peakDbfs: z.number(),
  /** Share of samples at or near full scale in the window, in [0, 1]. */
  clippedShare: z.number().min(0).max(1),
})
export type InputLevel = z.infer<typeof inputLevelSchema>

export const layerReadingSchema = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  hrBpm: finite,
  confidence: finite,
  /** The layer's validation MAE from the model card, for the diagnostics table. */
  validationMaeBpm: z.number(),
})
export type LayerReading = z.infer<typeof layerReadingSchema>

/** `check`: a number exists but is withheld until confirmed (a sudden jump, estimators that disagree). */
export const displayStateSchema = z.enum(['reliable', 'unreliable', 'no-signal', 'warming-up', 'check'])
export type DisplayState = z.infer<typeof displayStateSchema>

export const displayedHrSchema = z.object({
  /** Smoothed over recent confident windows; null whenever the number cannot be trusted. */
  hrBpm: finite.nullable(),
  state: displayStateSchema,
  /** Why the HR is not shown, in words a nurse understands. */
  reason: z.string().optional(),
  /** Machine-readable reason from the display decision (src/core/hr/hr-decision.ts). */
  code: z.string().optional(),
  /** Calibrated probability that this window's estimate is within 5 bpm, in [0, 1]. */
  confidence: z.number().min(0).max(1).optional(),
})
export type DisplayedHr = z.infer<typeof displayedHrSchema>

/**
 * Beat-level reading of one window, times in stream seconds: from the model's segmentation head
 * (src/core/hr/segmentation-beats.ts) when the loaded model has one, else from the envelope
 * detector (src/core/hr/beat-detection.ts).
 */
export const windowBeatsSchema = z.object({
  /** Which detector produced these beats (the segmentation head is the more accurate: models/BEATS.md). */
  source: z.enum(['segmentation', 'envelope']),
  s1OnsetsS: z.array(finite),
  s2OnsetsS: z.array(finite),
  /** S1→S1 intervals between consecutive detected beats, seconds. */
  intervalsS: z.array(finite),
  /** Coefficient of variation of those intervals; null below 3 intervals. */
  irregularity: finite.nullable(),
  /** irregularity above 0.1. */
  irregular: z.boolean(),
})
export type WindowBeats = z.infer<typeof windowBeatsSchema>

export const windowEventSchema = z.object({
  type: z.literal('window'),
  /** Monotonic window number within the stream. */
  seq: z.number().int().nonnegative(),
  sourceId: z.string(),
  /** Stream time (seconds since the source started) of the window's start and end. */
  windowStartS: finite,
  windowEndS: finite,
  /** Milliseconds from the moment the window's last sample arrived to this event. */
  latencyMs: z.number(),
  modelId: z.string(),
  /** Production head (null when the model could not run, e.g. none loaded). */
  hrBpm: finite.nullable(),
  confidence: z.number(),
  layers: z.array(layerReadingSchema),
  classical: z.object({ hrBpm: finite.nullable(), quality: z.number() }),
  level: inputLevelSchema,
  flags: z.array(signalQualityFlagSchema),
  display: displayedHrSchema,
  /** Windows dropped so far because inference fell behind. */
  droppedWindows: z.number().int().nonnegative(),
  /** S1/S2 onsets and rhythm of this window; absent when the beat detector did not run. */
  beats: windowBeatsSchema.optional(),
})
export type WindowEvent = z.infer<typeof windowEventSchema>

export const alarmKindSchema = z.enum(['hr-high', 'hr-low', 'signal-lost'])
export type AlarmKind = z.infer<typeof alarmKindSchema>
export const alarmStateSchema = z.enum(['raised', 'acknowledged', 'cleared'])
export type AlarmState = z.infer<typeof alarmStateSchema>

/** IEC 60601-1-8 priorities (src/core/alarms/alarm-priority.ts, docs/alarms.md); this monitor raises no high-priority alarm. */
export const alarmPrioritySchema = z.enum(['high', 'medium', 'low'])
export type AlarmPriority = z.infer<typeof alarmPrioritySchema>

export const alarmEventSchema = z.object({
  type: z.literal('alarm'),
  kind: alarmKindSchema,
  state: alarmStateSchema,
  /** Stream time of the transition. */
  atS: z.number(),
  message: z.string(),
  priority: alarmPrioritySchema.optional(),
  /** HR alarms: the displayed HR that raised the alarm (raised) or the last one seen (acknowledged, cleared). */
  valueBpm: z.number().optional(),
  /** HR alarms: the limit it is judged against. */
  limitBpm: z.number().optional(),
})
export type AlarmEvent = z.infer<typeof alarmEventSchema>

export const monitorErrorEventSchema = z.object({
  type: z.literal('error'),
  /** Error class name, e.g. 'InvalidChunkError'. */
  name: z.string(),
  message: z.string(),
  /** False when the engine keeps running after it. */
  fatal: z.boolean(),
})
export type MonitorErrorEvent = z.infer<typeof monitorErrorEventSchema>

/** A stop reason's detail is cut to this length (an error message can quote a whole path). */
export const MAX_STOP_DETAIL_CHARS = 500

/**
 * Why a stream that ran is no longer running: the screen blanks every value from it at once and
 * says this instead (a number must never outlive the signal it came from).
 */
export const monitorStopReasonSchema = z.object({
  /**
   * 'stopped': by the user (or a hardware button); 'switching': another source is being started;
   * 'source-failed': the source could not start.
   */
  kind: z.enum(['stopped', 'switching', 'source-failed']),
  /** For 'source-failed': the source's own error message (at most MAX_STOP_DETAIL_CHARS). */
  detail: z.string().max(MAX_STOP_DETAIL_CHARS).optional(),
})
export type MonitorStopReason = z.infer<typeof monitorStopReasonSchema>

export const monitorStatusSchema = z.object({
  type: z.literal('status'),
  state: z.enum(['idle', 'running', 'stopped']),
  /** Present when `state` is 'stopped'. */
  stopReason: monitorStopReasonSchema.optional(),
  sourceId: z.string().nullable(),
  modelId: z.string().nullable(),
  executionProvider: z.string().nullable(),
  /** Why an accelerated provider was not used, if it was not. */
  providerNote: z.string().optional(),
  droppedWindows: z.number().int().nonnegative(),
  analysedWindows: z.number().int().nonnegative(),
})
export type MonitorStatusEvent = z.infer<typeof monitorStatusSchema>

/** A short stretch of the (model-rate) signal for the strip chart, sent several times a second. */
export const pcgChunkEventSchema = z.object({
  type: z.literal('pcg'),
  sourceId: z.string(),
  sampleRateHz: z.number().positive(),
  firstSampleIndex: z.number().int().nonnegative(),
  samples: z.array(z.number()),
})
export type PcgChunkEvent = z.infer<typeof pcgChunkEventSchema>

export const monitorEventSchema = z.discriminatedUnion('type', [
  windowEventSchema,
  alarmEventSchema,
  monitorErrorEventSchema,
  monitorStatusSchema,
  pcgChunkEventSchema,
])
export type MonitorEvent = z.infer<typeof monitorEventSchema>
