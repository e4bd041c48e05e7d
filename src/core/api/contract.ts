/**
 * The one API contract between the renderer and the main-process core: every request, response
 * and event stream as a zod schema, keyed by channel name (electron/fiddle style). Both
 * transports (Electron IPC through the preload, WebSocket in browser mode) are generated from
 * this table, and both ends validate what crosses: the backend validates requests, the client
 * validates responses and events.
 */
import { z } from 'zod'
import {
  annotationIdSchema,
  annotationLabelSchema,
  annotationNoteSchema,
  annotationSchema,
  annotationTimeSchema as timeSchema,
  spanKindSchema,
} from '../sessions/annotations'
import { sessionLocationSchema } from '../sessions/session-schema'
import { executionProviderChoiceSchema } from '../model/execution-provider'
import { audioRangeRequestSchema, audioRangeSchema, peaksRequestSchema, peaksSchema } from './session-audio-contract'
import { PACS_METHODS } from './pacs-contract'
import { SOUND_SEARCH_METHODS } from './sound-search-contract'
import { VISIT_METHODS } from './visit-contract'
import {
  alarmEventSchema,
  alarmKindSchema,
  monitorEventSchema,
  monitorStatusSchema,
  pcgChunkEventSchema,
  windowEventSchema,
} from '../monitor/monitor-events'
import { monitorSettingsSchema } from '../monitor/monitor-settings'
import { LISTENING_GAIN_MAX_DB, LISTENING_GAIN_MIN_DB } from '../dsp/listening-path'
import { LISTENING_FILTERS, type ListeningFilterMode } from '../dsp/listening-filters'
import { describeIssue as describeZodIssue } from '../zod-issue'

// ---------------------------------------------------------------- monitor events and settings (src/core/monitor)

const finite = z.number().refine(Number.isFinite, 'must be a finite number')

export { alarmKindSchema, alarmEventSchema, monitorEventSchema, monitorStatusSchema, pcgChunkEventSchema, windowEventSchema }
export { monitorSettingsSchema }
export const executionProviderSchema = executionProviderChoiceSchema
/** The chest-piece bands of src/core/dsp/listening-filters.ts. */
export const listeningFilterSchema = z.enum(Object.keys(LISTENING_FILTERS) as [ListeningFilterMode, ...ListeningFilterMode[]])

// ---------------------------------------------------------------- live listening (src/main/listening)

/**
 * A PulseAudio sink name (what the addon's output is routed to): letters, digits and `_.:@+-`,
 * e.g. `alsa_output.usb-Plantronics_Headset-00.analog-stereo`. It ends up in an environment
 * variable, so nothing else is allowed.
 */
export const outputDeviceIdSchema = z.string().regex(/^[A-Za-z0-9_.:@+-]{1,256}$/, 'must be an output device id from listening:outputs')

/** What persists across starts (settings.json): not `enabled`, so the app never starts playing on its own. */
export const listeningPreferencesSchema = z.object({
  filter: listeningFilterSchema,
  gainDb: z.number().min(LISTENING_GAIN_MIN_DB).max(LISTENING_GAIN_MAX_DB),
  /** null: the system's default output. */
  outputDeviceId: outputDeviceIdSchema.nullable(),
})

export const listeningPatchSchema = z
  .object({
    /** Off closes the output stream; on opens it with the next chunk of the active source. */
    enabled: z.boolean().optional(),
    /** Muting keeps the stream open and plays silence (a fade, no click). */
    muted: z.boolean().optional(),
    filter: listeningFilterSchema.optional(),
    gainDb: listeningPreferencesSchema.shape.gainDb.optional(),
    outputDeviceId: outputDeviceIdSchema.nullable().optional(),
  })
  .strict()

export const listeningErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  /** device-lost: it vanished while playing; unavailable: it could not be opened. */
  code: z.enum(['device-lost', 'unavailable']),
})

export const listeningStatusSchema = z.object({
  enabled: z.boolean(),
  muted: z.boolean(),
  filter: listeningFilterSchema,
  gainDb: z.number(),
  outputDeviceId: z.string().nullable(),
  /** off: not enabled; waiting: enabled, no source chunk yet; playing: a stream is open; failed: see error. */
  state: z.enum(['off', 'waiting', 'playing', 'failed']),
  /** The open stream in words (back end and device), null when none is open. */
  outputDescription: z.string().nullable(),
  /** Rate of the active source, which the stream plays at (null before the first chunk). */
  sampleRateHz: z.number().positive().nullable(),
  /** Jitter-buffer target and what is queued now (null when the back end cannot tell). */
  targetLatencyMs: z.number().nonnegative().nullable(),
  queuedMs: z.number().nonnegative().nullable(),
  /** Output underruns (audible gaps) since the stream opened. */
  underruns: z.number().int().nonnegative(),
  /** Streams reopened by themselves after dying while their device was still there (a busy machine). */
  recoveries: z.number().int().nonnegative(),
  error: listeningErrorSchema.nullable(),
})

export const outputDeviceInfoSchema = z.object({ id: outputDeviceIdSchema, name: z.string(), isDefault: z.boolean() })

export const listeningOutputsSchema = z.object({
  devices: z.array(outputDeviceInfoSchema),
  /** Why the list is empty or partial (no output support in the addon, no PulseAudio), else null. */
  reason: z.string().nullable(),
})

export const displayPreferencesSchema = z.object({ expertView: z.boolean() })

export const appSettingsSchema = z.object({
  monitor: monitorSettingsSchema,
  /** ONNX file the monitor runs; its card is the `.card.json` beside it. */
  modelPath: z.string().nullable(),
  executionProvider: executionProviderSchema,
  /** Folder holding the session library. */
  dataDir: z.string(),
  /** Live listening through the audio addon; absent until first changed. */
  listening: listeningPreferencesSchema.optional(),
  /** How the live screen looks: the bedside view, or the expert view with the layer diagnostics; absent until first changed. */
  display: displayPreferencesSchema.optional(),
})

export const settingsPatchSchema = z.object({
  monitor: z
    .object({
      windowSeconds: monitorSettingsSchema.shape.windowSeconds.optional(),
      hopSeconds: monitorSettingsSchema.shape.hopSeconds.optional(),
      alarms: monitorSettingsSchema.shape.alarms.partial().optional(),
    })
    .optional(),
  modelPath: z.string().min(1).optional(),
  executionProvider: executionProviderSchema.optional(),
  dataDir: z.string().min(1).optional(),
  display: displayPreferencesSchema.optional(),
})

export const deviceInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['audio', 'serial', 'hid', 'demo']),
  /** Whether the monitor is listening to it now. */
  active: z.boolean(),
  status: z.enum(['available', 'connected', 'error', 'unavailable']),
  detail: z.string().optional(),
})

const metricsSummarySchema = z.object({ maeBpm: z.number(), medianAbsErrorBpm: z.number(), within5BpmShare: z.number() })

/** The part of the model card the UI shows: identity and every layer's validation figures. */
export const modelSummarySchema = z.object({
  id: z.string(),
  version: z.string(),
  path: z.string(),
  sampleRateHz: z.number(),
  windowSeconds: z.number(),
  layers: z.array(z.object({ index: z.number().int(), name: z.string(), width: z.number().int(), validation: metricsSummarySchema })),
  production: metricsSummarySchema,
  classical: metricsSummarySchema.nullable(),
  trainingDataset: z.string(),
  attribution: z.string(),
})

export const modelFileSchema = z.object({ path: z.string(), name: z.string(), hasCard: z.boolean() })

/** The recording that ended last: what "Saved: Mitral, 0:15 — open" says and opens. */
export const savedRecordingSchema = z.object({
  sessionId: z.string(),
  location: sessionLocationSchema,
  durationS: z.number().nonnegative(),
  patientId: z.string().nullable(),
  /** The 4-point exam visit it was filed in, else null. */
  visitId: z.string().nullable(),
})

export const recordingStatusSchema = z.object({
  recording: z.boolean(),
  sessionId: z.string().nullable(),
  elapsedS: z.number().nonnegative(),
  markers: z.number().int().nonnegative(),
  /** Site, visit and planned length (a guided exam's timed clip; null: until stopped) of the recording under way. */
  location: sessionLocationSchema.optional(),
  visitId: z.string().nullable().optional(),
  clipS: z.number().positive().nullable().optional(),
  /** The last recording that ended in this run of the app (null before the first). */
  lastSaved: savedRecordingSchema.nullable().optional(),
})

export const sessionSummarySchema = z.object({
  id: z.string(),
  startedAt: z.string(),
  durationS: z.number().nonnegative(),
  status: z.string(),
  location: sessionLocationSchema,
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  deviceName: z.string(),
  meanHrBpm: z.number().nullable(),
  notes: z.string(),
  annotationCount: z.number().int().nonnegative(),
  /** The 4-point exam visit the session belongs to (the library shows a visit as one item). */
  visitId: z.string().nullable().optional(),
})

export { annotationSchema }

export const sessionDetailSchema = z.object({
  summary: sessionSummarySchema,
  annotations: z.array(annotationSchema),
  canUndo: z.boolean(),
  canRedo: z.boolean(),
})

/**
 * The whole recording at once, for scripts and tests of short sessions only (at most
 * MAX_WHOLE_AUDIO_FRAMES, 5 min at 4 kHz; longer ones answer AudioRangeError). The app reads
 * sessions with `sessions:audioRange` and `sessions:peaks`.
 */
export const sessionAudioSchema = z.object({
  sessionId: z.string(),
  sampleRateHz: z.number().positive(),
  frames: z.number().int().nonnegative(),
  /**
   * Mono float32 little-endian samples in [-1, 1], base64: a 10-minute recording is 3 MB this way
   * instead of ~40 MB of JSON numbers, and decodes without parsing every sample.
   */
  float32Base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
})

/** A new annotation's words (both may be empty). */
const newAnnotationText = { label: annotationLabelSchema.default(''), note: annotationNoteSchema.default('') }

export const annotationEditSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('addMarker'), timeS: timeSchema, ...newAnnotationText }),
  z.object({ type: z.literal('addSpan'), startS: timeSchema, endS: timeSchema, spanKind: spanKindSchema, ...newAnnotationText }),
  /** Renames (a span's kind follows its label: spanKindForLabel) and sets the note; one undo step. */
  z.object({
    type: z.literal('update'),
    id: annotationIdSchema,
    label: annotationLabelSchema.optional(),
    note: annotationNoteSchema.optional(),
  }),
  /** Moves a marker to `timeS` or a span to start at `startS` (keeping its length), or sets both ends. */
  z.object({
    type: z.literal('move'),
    id: annotationIdSchema,
    timeS: timeSchema.optional(),
    startS: timeSchema.optional(),
    endS: timeSchema.optional(),
  }),
  z.object({ type: z.literal('remove'), id: annotationIdSchema }),
  z.object({ type: z.literal('undo') }),
  z.object({ type: z.literal('redo') }),
])

export const exportResultSchema = z.object({ path: z.string(), files: z.array(z.string()) })

/** What one export button makes: the session's folder as a .zip, the PDF or HTML report, the Audacity labels, the CirCor .tsv. */
export const exportKindSchema = z.enum(['zip', 'pdf', 'html', 'audacity', 'circor'])

/** One exported file handed to the renderer (browser mode: a download). */
export const exportFileSchema = z.object({ fileName: z.string(), mimeType: z.string(), base64: z.string() })

/** The S1/S2 and HR detected in a session (src/core/sessions/session-beats.ts): the waveform's lanes. */
export const sessionBeatsSchema = z.object({
  source: z.enum(['recorded', 'envelope', 'none']),
  s1OnsetsS: z.array(finite),
  s2OnsetsS: z.array(finite),
  hr: z.array(z.object({ timeS: finite, hrBpm: finite.nullable() })),
})

export const annotationImportResultSchema = z.object({
  imported: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
  detail: z.lazy(() => sessionDetailSchema),
})

/**
 * A session folder the library cannot list as a normal session (docs/sessions.md, "Problem
 * sessions"): `unreadable` (session.json missing or invalid) or `unfinished` (says "recording"
 * but no recorder holds it: a crash whose repair has not succeeded yet).
 */
export const sessionProblemSchema = z.object({
  /** `<day>/<folder>`: names the folder for sessions:repair and sessions:exportRaw. */
  key: z.string(),
  folder: z.string(),
  kind: z.enum(['unreadable', 'unfinished']),
  /** What is wrong, naming the file and field; no absolute paths. */
  reason: z.string(),
  startedAt: z.string().nullable(),
  location: sessionLocationSchema.nullable(),
  patientId: z.string().nullable(),
  /** Size of audio.wav; null when there is none. */
  audioBytes: z.number().int().nonnegative().nullable(),
  canRepair: z.boolean(),
  /** Why the last repair (at start-up or on request) failed, e.g. a read-only folder or a damaged header. */
  lastRepairError: z.string().nullable(),
})

const problemKeySchema = z.string().min(1).max(300)

export const sessionRepairResultSchema = z.object({
  key: z.string(),
  /** What repair found and did. */
  actions: z.array(z.string()),
  /** The session as the library now lists it (null if the folder is still not a clean session). */
  session: sessionSummarySchema.nullable(),
})

/** One chunk of a WAV import: 512 KiB of base64 (384 KiB of WAV), well inside a 1-MiB WebSocket message. */
export const IMPORT_CHUNK_BASE64_CHARS = 512 * 1024
/** The largest WAV the library imports: 2 GiB (about 37 h of 4-kHz float32 audio). */
export const MAX_IMPORT_WAV_BYTES = 2 * 1024 ** 3

// ---------------------------------------------------------------- the channel table

const empty = z.object({}).strict()

/** Every request channel: its request and response schema. Names are `<area>:<verb>`. */
export const API_METHODS = {
  'app:info': {
    request: empty,
    response: z.object({ version: z.string(), mode: z.enum(['electron', 'browser']), attribution: z.string() }),
  },
  'devices:list': { request: empty, response: z.array(deviceInfoSchema) },
  'devices:select': { request: z.object({ id: z.string().min(1) }), response: monitorStatusSchema },
  'monitor:stop': { request: empty, response: monitorStatusSchema },
  'monitor:status': { request: empty, response: monitorStatusSchema },
  'monitor:acknowledgeAlarm': { request: z.object({ kind: alarmKindSchema }), response: z.object({ ok: z.literal(true) }) },
  'model:summary': { request: empty, response: modelSummarySchema.nullable() },
  'model:list': { request: empty, response: z.array(modelFileSchema) },
  'settings:get': { request: empty, response: appSettingsSchema },
  'settings:update': { request: settingsPatchSchema, response: appSettingsSchema },
  'recording:start': {
    request: z.object({
      location: sessionLocationSchema.default('other'),
      patientId: z.string().max(128).optional(),
      notes: z.string().max(4000).optional(),
    }),
    response: recordingStatusSchema,
  },
  'recording:stop': { request: empty, response: sessionSummarySchema.nullable() },
  'recording:mark': { request: z.object({ label: z.string().max(256).default('mark') }), response: z.object({ timeS: z.number() }) },
  'recording:status': { request: empty, response: recordingStatusSchema },
  'sessions:list': { request: z.object({ text: z.string().max(256).optional() }), response: z.array(sessionSummarySchema) },
  'sessions:get': { request: z.object({ id: z.string().min(1) }), response: sessionDetailSchema },
  'sessions:audio': { request: z.object({ id: z.string().min(1) }), response: sessionAudioSchema },
  'sessions:audioRange': { request: audioRangeRequestSchema, response: audioRangeSchema },
  'sessions:peaks': { request: peaksRequestSchema, response: peaksSchema },
  'sessions:edit': { request: z.object({ id: z.string().min(1), edit: annotationEditSchema }), response: sessionDetailSchema },
  'sessions:update': {
    request: z.object({
      id: z.string().min(1),
      notes: z.string().max(20000).optional(),
      patientId: z.string().max(128).optional(),
      patientName: z.string().max(256).optional(),
      location: sessionLocationSchema.optional(),
    }),
    response: sessionDetailSchema,
  },
  'sessions:export': {
    request: z.object({ id: z.string().min(1), format: z.enum(['folder', 'zip']).default('folder') }),
    response: exportResultSchema,
  },
  'sessions:beats': { request: z.object({ id: z.string().min(1) }), response: sessionBeatsSchema },
  /**
   * A WAV file (any rate and format the reader accepts) becomes a library session to analyse and
   * annotate. Sent in chunks (a WebSocket message is at most 1 MiB) under one `uploadId`, in
   * order; the last (`done`) answers the new session, the others null.
   */
  'sessions:importWav': {
    request: z.object({
      uploadId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      fileName: z.string().min(1).max(256),
      offset: z.number().int().nonnegative(),
      chunkBase64: z.string().max(IMPORT_CHUNK_BASE64_CHARS),
      done: z.boolean(),
    }),
    response: sessionSummarySchema.nullable(),
  },
  /** Audacity labels are added; a CirCor .tsv replaces the session's S1/systole/S2/diastole spans. One undo step. */
  'sessions:importAnnotations': {
    request: z.object({
      id: z.string().min(1),
      format: z.enum(['audacity', 'circor']),
      fileName: z.string().min(1).max(256),
      text: z.string().max(8_000_000),
    }),
    response: annotationImportResultSchema,
  },
  /** One export as bytes (browser mode downloads it). */
  'sessions:exportFile': { request: z.object({ id: z.string().min(1), kind: exportKindSchema }), response: exportFileSchema },
  /** Electron: asks where with a save dialog and writes there; null path when the user cancelled. */
  'sessions:saveAs': {
    request: z.object({ id: z.string().min(1), kind: exportKindSchema }),
    response: z.object({ path: z.string().nullable() }),
  },
  /** Electron: shows an exported file in the system's file manager. */
  'app:showInFolder': { request: z.object({ path: z.string().min(1) }), response: z.object({ ok: z.boolean() }) },
  'sessions:problems': { request: empty, response: z.array(sessionProblemSchema) },
  'sessions:repair': { request: z.object({ key: problemKeySchema }), response: sessionRepairResultSchema },
  'sessions:exportRaw': { request: z.object({ key: problemKeySchema }), response: exportResultSchema },
  'listening:outputs': { request: empty, response: listeningOutputsSchema },
  'listening:status': { request: empty, response: listeningStatusSchema },
  'listening:set': { request: listeningPatchSchema, response: listeningStatusSchema },
  ...VISIT_METHODS,
  ...SOUND_SEARCH_METHODS,
  ...PACS_METHODS,
} as const

/** Server-pushed streams: one channel each. */
export const API_EVENTS = {
  'event:monitor': monitorEventSchema,
  'event:recording': recordingStatusSchema,
  'event:devices': z.array(deviceInfoSchema),
  /** Live listening changed (settings, stream opened/closed, underruns, a lost output device). */
  'event:listening': listeningStatusSchema,
} as const

export type ApiChannel = keyof typeof API_METHODS
export type ApiEventChannel = keyof typeof API_EVENTS
export const API_CHANNELS = Object.keys(API_METHODS) as ApiChannel[]
export const API_EVENT_CHANNELS = Object.keys(API_EVENTS) as ApiEventChannel[]

/** What a caller passes (defaults may be omitted) and what the handler receives (defaults filled). */
export type ApiRequestInput<C extends ApiChannel> = z.input<(typeof API_METHODS)[C]['request']>
export type ApiRequest<C extends ApiChannel> = z.output<(typeof API_METHODS)[C]['request']>
export type ApiResponse<C extends ApiChannel> = z.output<(typeof API_METHODS)[C]['response']>
export type ApiEvent<E extends ApiEventChannel> = z.output<(typeof API_EVENTS)[E]>

export type MonitorEventPayload = ApiEvent<'event:monitor'>
export type WindowEventPayload = z.output<typeof windowEventSchema>
export type AlarmEventPayload = z.output<typeof alarmEventSchema>
export type MonitorStatus = z.output<typeof monitorStatusSchema>
export type PcgChunk = z.output<typeof pcgChunkEventSchema>
export type AppSettings = z.output<typeof appSettingsSchema>
export type SettingsPatch = z.output<typeof settingsPatchSchema>
export type DeviceInfo = z.output<typeof deviceInfoSchema>
export type ModelSummary = z.output<typeof modelSummarySchema>
export type ModelFile = z.output<typeof modelFileSchema>
export type RecordingStatus = z.output<typeof recordingStatusSchema>
export type SavedRecording = z.output<typeof savedRecordingSchema>
export type SessionSummary = z.output<typeof sessionSummarySchema>
export type SessionDetail = z.output<typeof sessionDetailSchema>
export type SessionAudio = z.output<typeof sessionAudioSchema>
export type ApiAnnotation = z.output<typeof annotationSchema>
export type AnnotationEdit = z.output<typeof annotationEditSchema>
export type ExportKind = z.output<typeof exportKindSchema>
export type ExportFile = z.output<typeof exportFileSchema>
export type SessionBeatsPayload = z.output<typeof sessionBeatsSchema>
export type AnnotationImportResult = z.output<typeof annotationImportResultSchema>
export type ExportResult = z.output<typeof exportResultSchema>
export type SessionProblemInfo = z.output<typeof sessionProblemSchema>
export type SessionRepairResult = z.output<typeof sessionRepairResultSchema>
export type AlarmKindName = z.output<typeof alarmKindSchema>
export type ListeningFilterName = z.output<typeof listeningFilterSchema>
export type ListeningPreferences = z.output<typeof listeningPreferencesSchema>
export type ListeningPatch = z.output<typeof listeningPatchSchema>
export type ListeningStatus = z.output<typeof listeningStatusSchema>
export type ListeningOutputs = z.output<typeof listeningOutputsSchema>
export type OutputDeviceInfo = z.output<typeof outputDeviceInfoSchema>

/** The backend: one async function per channel, receiving the validated request. */
export type ApiHandlers = { [C in ApiChannel]: (request: ApiRequest<C>) => Promise<ApiResponse<C>> }

/** What the renderer holds, over either transport. */
export interface AuscultaApi {
  invoke<C extends ApiChannel>(channel: C, request: ApiRequestInput<C>): Promise<ApiResponse<C>>
  /** Subscribes to an event stream; returns the unsubscribe function. */
  on<E extends ApiEventChannel>(channel: E, listener: (payload: ApiEvent<E>) => void): () => void
}

// ---------------------------------------------------------------- wire helpers shared by both ends

/** An error as it crosses a transport: class name and message, nothing else (no stacks, no paths of ours). */
export interface WireError {
  name: string
  message: string
}

export class ApiContractError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ApiContractError'
  }
}

/** Raised in the client for an error the backend reported; keeps the backend's class name. */
export class ApiRemoteError extends Error {
  readonly remoteName: string
  constructor(wire: WireError) {
    super(wire.message)
    this.name = wire.name
    this.remoteName = wire.name
  }
}

/** Float32 samples → base64 (little-endian), for `sessions:audio`. Works in Node and browsers. */
export function encodeFloat32Base64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < samples.length; i++) view.setFloat32(i * 4, samples[i] as number, true)
  let binary = ''
  const step = 0x8000
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step))
  return btoa(binary)
}

export function decodeFloat32Base64(text: string, frames: number): Float32Array {
  const binary = atob(text)
  if (binary.length !== frames * 4) throw new ApiContractError(`sessions:audio: ${binary.length} bytes of audio for ${frames} frames`)
  const view = new DataView(new ArrayBuffer(binary.length))
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i))
  const out = new Float32Array(frames)
  for (let i = 0; i < frames; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

export function isApiChannel(value: unknown): value is ApiChannel {
  return typeof value === 'string' && Object.hasOwn(API_METHODS, value)
}

export function isApiEventChannel(value: unknown): value is ApiEventChannel {
  return typeof value === 'string' && Object.hasOwn(API_EVENTS, value)
}

/** The first problem, named by its field; never quotes what the client sent (issue 20, item 4). */
function describeIssue(error: z.ZodError): string {
  return describeZodIssue(error).summary
}

export function parseApiRequest<C extends ApiChannel>(channel: C, raw: unknown): ApiRequest<C> {
  const result = API_METHODS[channel].request.safeParse(raw ?? {})
  if (!result.success) throw new ApiContractError(`${channel} request: ${describeIssue(result.error)}`)
  return result.data as ApiRequest<C>
}

export function parseApiResponse<C extends ApiChannel>(channel: C, raw: unknown): ApiResponse<C> {
  const result = API_METHODS[channel].response.safeParse(raw)
  if (!result.success) throw new ApiContractError(`${channel} response: ${describeIssue(result.error)}`)
  return result.data as ApiResponse<C>
}

export function parseApiEvent<E extends ApiEventChannel>(channel: E, raw: unknown): ApiEvent<E> {
  const result = API_EVENTS[channel].safeParse(raw)
  if (!result.success) throw new ApiContractError(`${channel} event: ${describeIssue(result.error)}`)
  return result.data as ApiEvent<E>
}

/**
 * Runs one request against the handlers: validates the request, calls, validates the response.
 * Used by both transports so they cannot drift apart.
 */
export async function dispatchApiRequest(handlers: ApiHandlers, channel: unknown, raw: unknown): Promise<unknown> {
  // Not quoted: a client could otherwise make the reply as large as its request (issue 20, item 4).
  if (!isApiChannel(channel)) throw new ApiContractError('unknown channel')
  const request = parseApiRequest(channel, raw)
  const handler = handlers[channel] as (request: unknown) => Promise<unknown>
  const response = await handler(request)
  return parseApiResponse(channel, response)
}

/** Longest error message that crosses a transport; handlers name ids and values in theirs. */
export const MAX_WIRE_ERROR_MESSAGE_CHARS = 500

function boundedMessage(message: string): string {
  return message.length <= MAX_WIRE_ERROR_MESSAGE_CHARS ? message : `${message.slice(0, MAX_WIRE_ERROR_MESSAGE_CHARS - 1)}…`
}

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name.slice(0, 100), message: boundedMessage(error.message) }
  return { name: 'Error', message: boundedMessage(String(error)) }
}

/** WebSocket frames (browser mode). */
export const wsClientMessageSchema = z.object({ id: z.number().int().nonnegative(), channel: z.string(), request: z.unknown() })
export type WsClientMessage = z.output<typeof wsClientMessageSchema>
export type WsServerMessage =
  | { kind: 'response'; id: number; ok: true; response: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError }
  | { kind: 'event'; channel: ApiEventChannel; payload: unknown }

/** Generic client over any transport: validates every response and event against the contract. */
export interface ApiTransport {
  invoke(channel: ApiChannel, request: unknown): Promise<unknown>
  subscribe(channel: ApiEventChannel, listener: (payload: unknown) => void): () => void
}

export function createApiClient(transport: ApiTransport, onInvalidEvent?: (error: Error) => void): AuscultaApi {
  return {
    async invoke(channel, request) {
      const parsedRequest = parseApiRequest(channel, request)
      return parseApiResponse(channel, await transport.invoke(channel, parsedRequest))
    },
    on(channel, listener) {
      return transport.subscribe(channel, (payload) => {
        let parsed
        try {
          parsed = parseApiEvent(channel, payload)
        } catch (error) {
          onInvalidEvent?.(error as Error)
          return
        }
        listener(parsed)
      })
    },
  }
}
