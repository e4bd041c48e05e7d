/**
 * Start-up repair of sessions a crash left unfinished: a folder whose session.json says
 * "recording" while no recorder holds its lock (recorder-lock.ts), or that has audio but no
 * session.json. The WAV's sizes are recomputed from the file length (whole frames), the header is
 * patched in place, session.json is marked "repaired" with a note of what was done. Audio is
 * never deleted or truncated: a torn trailing partial frame is left after the data chunk (readers
 * ignore bytes past the chunk) and reported. A session.json that does not parse is only rebuilt
 * when the user asks (`rebuildUnreadableMeta`), and the unreadable file is kept beside it.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseHrTrace, summariseHrTrace } from '../../core/sessions/hr-trace'
import { CorruptSessionError } from '../../core/sessions/session-errors'
import {
  SESSION_ID_PATTERN,
  SESSION_SCHEMA_VERSION,
  formatSessionMeta,
  parseSessionMeta,
  sessionMetaSchema,
  validateSessionMeta,
  type SessionMeta,
} from '../../core/sessions/session-schema'
import { bytesPerSample, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_PCM, type WavSampleFormat } from '../../core/wav/wav-format'
import { encodeWavHeader, WAV_HEADER_BYTES } from '../../core/wav/wav-writer'
import { writeAll, writeFileAtomic } from './atomic-write'
import { SESSION_FILES, sessionsRoot } from './data-dir'
import { toStorageError, withStorageErrors } from './fs-errors'
import { recorderLockState, removeStaleRecorderLock } from './recorder-lock'

export interface RepairResult {
  dir: string
  id: string
  outcome: 'repaired' | 'skipped-live' | 'failed'
  /** Human-readable account of what was found and done. */
  actions: string[]
  error?: Error
}

export interface RepairOptions {
  /**
   * Whether a live recorder still holds the session folder (default: its recorder lock is held,
   * recorder-lock.ts); such sessions are left alone. Tests override it to treat a recorder of
   * their own process as crashed.
   */
  isRecorderLive?: (dir: string) => boolean
  /**
   * The user asked to repair a session whose session.json does not parse: keep that file as
   * `session.json.unreadable-<time>` and rebuild session.json from audio.wav. Never done at start-up.
   */
  rebuildUnreadableMeta?: boolean
  now?: () => Date
}

function defaultIsRecorderLive(dir: string): boolean {
  return recorderLockState(dir).state === 'held'
}

/** Every session folder (sessions/<day>/<id>) under the data directory. */
export function listSessionDirs(dataDir: string): string[] {
  const root = sessionsRoot(dataDir)
  if (!existsSync(root)) return []
  const dirs: string[] = []
  for (const day of readdirSync(root, { withFileTypes: true })) {
    if (!day.isDirectory()) continue
    for (const entry of readdirSync(join(root, day.name), { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) dirs.push(join(root, day.name, entry.name))
    }
  }
  return dirs.sort()
}

interface WavLayout {
  sampleRateHz: number
  format: WavSampleFormat
  blockAlign: number
}

/** Reads the fixed 44-byte header the recorder writes; anything else is not ours to patch. */
function readRecorderHeader(path: string, fd: number): WavLayout {
  const header = new Uint8Array(WAV_HEADER_BYTES)
  const got = readSync(fd, header, 0, WAV_HEADER_BYTES, 0)
  const view = new DataView(header.buffer)
  const text = (at: number): string => String.fromCharCode(...header.subarray(at, at + 4))
  if (got < WAV_HEADER_BYTES) throw new CorruptSessionError(path, 'header', `only ${got} of ${WAV_HEADER_BYTES} header bytes`)
  for (const [at, want] of [
    [0, 'RIFF'],
    [8, 'WAVE'],
    [12, 'fmt '],
    [36, 'data'],
  ] as const) {
    if (text(at) !== want) throw new CorruptSessionError(path, `header@${at}`, `expected "${want}", found ${JSON.stringify(text(at))}`)
  }
  const tag = view.getUint16(20, true)
  const channels = view.getUint16(22, true)
  const sampleRateHz = view.getUint32(24, true)
  const bits = view.getUint16(34, true)
  let format: WavSampleFormat
  if (tag === WAVE_FORMAT_IEEE_FLOAT && bits === 32) format = 'float32'
  else if (tag === WAVE_FORMAT_PCM && bits === 16) format = 'pcm16'
  else throw new CorruptSessionError(path, 'fmt', `format tag ${tag} with ${bits} bits is not a recorder format`)
  if (channels !== 1) throw new CorruptSessionError(path, 'fmt.channels', `${channels} (recordings are mono)`)
  if (sampleRateHz === 0) throw new CorruptSessionError(path, 'fmt.sampleRate', '0')
  return { sampleRateHz, format, blockAlign: bytesPerSample(format) }
}

/** Patches audio.wav's sizes to the whole frames present; returns frames and notes. */
function repairWav(
  path: string,
  sampleRateHzHint: number | undefined,
  actions: string[],
): { frames: number; sampleRateHz: number; format: WavSampleFormat } {
  if (!existsSync(path)) {
    if (sampleRateHzHint === undefined) throw new CorruptSessionError(path, undefined, 'audio.wav and session.json are both missing')
    writeFileAtomic(path, encodeWavHeader({ sampleRateHz: sampleRateHzHint, channels: 1, format: 'float32', dataBytes: 0 }))
    actions.push('audio.wav missing (crash before any audio): wrote an empty WAV')
    return { frames: 0, sampleRateHz: sampleRateHzHint, format: 'float32' }
  }
  const fd = withStorageErrors(path, 'opening for repair', () => openSync(path, 'r+'))
  try {
    const fileBytes = statSync(path).size
    if (fileBytes < WAV_HEADER_BYTES) {
      if (sampleRateHzHint === undefined) throw new CorruptSessionError(path, 'header', `file has ${fileBytes} bytes, less than a header`)
      // Only the header write itself can be torn this early; there is no audio to lose.
      withStorageErrors(path, 'rewriting header', () => {
        writeAll(fd, encodeWavHeader({ sampleRateHz: sampleRateHzHint, channels: 1, format: 'float32', dataBytes: 0 }), 0)
        fsyncSync(fd)
      })
      actions.push(`audio.wav had a torn ${fileBytes}-byte header: rewrote it (no audio had been written)`)
      return { frames: 0, sampleRateHz: sampleRateHzHint, format: 'float32' }
    }
    const layout = readRecorderHeader(path, fd)
    const payload = fileBytes - WAV_HEADER_BYTES
    const dataBytes = payload - (payload % layout.blockAlign)
    const oldDataBytes = new DataView(readFileHead(fd)).getUint32(40, true)
    withStorageErrors(path, 'patching header', () => {
      writeAll(fd, encodeWavHeader({ sampleRateHz: layout.sampleRateHz, channels: 1, format: layout.format, dataBytes }), 0)
      fsyncSync(fd)
    })
    const frames = dataBytes / layout.blockAlign
    actions.push(
      `audio.wav: data size ${oldDataBytes} → ${dataBytes} bytes (${frames} frames, ` +
        `${(frames / layout.sampleRateHz).toFixed(3)} s) from the file length`,
    )
    if (payload !== dataBytes) actions.push(`audio.wav: ${payload - dataBytes} trailing bytes of a torn frame kept after the data chunk`)
    return { frames, sampleRateHz: layout.sampleRateHz, format: layout.format }
  } finally {
    closeSync(fd)
  }
}

function readFileHead(fd: number): ArrayBuffer {
  const head = new Uint8Array(WAV_HEADER_BYTES)
  readSync(fd, head, 0, WAV_HEADER_BYTES, 0)
  return head.buffer
}

/** Fields of an unreadable session.json worth keeping in the rebuilt one, each only if it is still valid on its own. */
const SALVAGEABLE_FIELDS = [
  'startedAt',
  'patient',
  'location',
  'locationDetail',
  'device',
  'modelId',
  'visitId',
  'notes',
  'attribution',
  'dropouts',
  'repairs',
] as const

/** What an unreadable session.json still holds that validates field by field (a hand edit usually breaks one). */
function salvageFields(text: string): { fields: Record<string, unknown>; dropped: string[] } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { fields: {}, dropped: ['everything (not valid JSON)'] }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { fields: {}, dropped: ['everything (not a JSON object)'] }
  const fields: Record<string, unknown> = {}
  const dropped: string[] = []
  for (const name of SALVAGEABLE_FIELDS) {
    if (!Object.hasOwn(value, name)) continue
    const field = (value as Record<string, unknown>)[name]
    if (sessionMetaSchema.shape[name].safeParse(field).success) fields[name] = field
    else dropped.push(name)
  }
  return { fields, dropped }
}

/** The start time a recorder id carries (`20260211T140200Z-0f78b9`), or undefined. */
function startFromId(id: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(id)
  if (!m) return undefined
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`
  return Number.isFinite(Date.parse(iso)) ? iso : undefined
}

/** Repairs one folder if it needs it; returns null when the session is fine as it is. */
export function repairSessionDir(dir: string, options: RepairOptions = {}): RepairResult | null {
  const isLive = options.isRecorderLive ?? defaultIsRecorderLive
  const now = options.now ?? (() => new Date())
  const id = basename(dir)
  const metaPath = join(dir, SESSION_FILES.meta)
  const actions: string[] = []
  try {
    // Includes this very process (a recorder it still holds open) and one that is just starting
    // (the lock comes before session.json).
    if (isLive(dir)) {
      const lock = recorderLockState(dir)
      const holder = lock.state === 'held' && lock.pid !== null ? `process ${lock.pid}` : 'a running recorder'
      return { dir, id, outcome: 'skipped-live', actions: [`${holder} still holds the recording's lock`] }
    }
    let meta: SessionMeta | undefined
    /** Where an unreadable session.json is kept when the user asked for a rebuild (moved last, after the WAV is fixed). */
    let keepUnreadableAs: string | undefined
    let salvaged: Record<string, unknown> = {}
    if (existsSync(metaPath)) {
      const text = readFileSync(metaPath, 'utf8')
      try {
        meta = parseSessionMeta(text, metaPath)
      } catch (err) {
        // A session.json that does not parse was edited by hand (we only ever replace it
        // atomically): that is for the library to report, not for repair to overwrite, unless the
        // user asks — and then the unreadable file is kept, not replaced.
        if (!(err instanceof CorruptSessionError) || !options.rebuildUnreadableMeta) throw err
        keepUnreadableAs = `${SESSION_FILES.meta}.unreadable-${now().toISOString().replace(/[-:.]/g, '')}`
        const salvage = salvageFields(text)
        salvaged = salvage.fields
        const kept = Object.keys(salvaged)
        actions.push(
          `session.json could not be read (${err.message.slice(metaPath.length + 2)}): kept as ${keepUnreadableAs}; rebuilt ` +
            `from audio.wav` +
            (kept.length > 0 ? ` with the fields still valid (${kept.join(', ')})` : '') +
            (salvage.dropped.length > 0 ? `; not kept: ${salvage.dropped.join(', ')}` : ''),
        )
      }
      if (meta !== undefined) {
        if (meta.status !== 'recording') {
          removeStaleRecorderLock(dir)
          return null
        }
        actions.push('session.json said "recording": the recorder did not finish (crash, kill or power cut)')
      }
    } else {
      if (!existsSync(join(dir, SESSION_FILES.audio))) return null // not a session folder at all
      actions.push('session.json missing: rebuilt from audio.wav')
    }
    const wav = repairWav(join(dir, SESSION_FILES.audio), meta?.sampleRateHz, actions)
    const tracePath = join(dir, SESSION_FILES.trace)
    let summary = null
    if (existsSync(tracePath)) {
      const trace = parseHrTrace(readFileSync(tracePath, 'utf8'), tracePath)
      actions.push(...trace.warnings)
      summary = summariseHrTrace(trace.entries)
    }
    const durationS = wav.frames / wav.sampleRateHz
    const repairedAt = now().toISOString()
    const startedAt =
      meta?.startedAt ??
      (salvaged['startedAt'] as string | undefined) ??
      startFromId(id) ??
      new Date(statSync(join(dir, SESSION_FILES.audio)).mtimeMs - durationS * 1000).toISOString()
    const base = meta ?? {
      schemaVersion: SESSION_SCHEMA_VERSION,
      id: SESSION_ID_PATTERN.test(id) ? id : `recovered-${Date.now()}`,
      status: 'recording' as const,
      patient: {},
      // The site is unknown unless a kept session.json still says it.
      ...(salvaged['location'] === undefined ? { location: 'other' as const, locationDetail: 'unknown (rebuilt by repair)' } : {}),
      device: { id: 'unknown', name: 'unknown (rebuilt by repair)' },
      sampleRateHz: wav.sampleRateHz,
      modelId: null,
      audio: {
        file: SESSION_FILES.audio,
        sampleFormat: wav.format === 'pcm16' ? 'pcm16' : 'float32',
        channels: 1,
        frames: 0,
        durationS: 0,
      },
      notes: '',
      repairs: [],
      ...salvaged,
      startedAt,
    }
    const { recorderPid: _pid, ...rest } = base as SessionMeta
    const repaired = validateSessionMeta(
      {
        ...rest,
        status: 'repaired',
        endedAt: new Date(Date.parse(startedAt) + durationS * 1000).toISOString(),
        audio: { ...rest.audio, frames: wav.frames, durationS },
        hrSummary: summary,
        repairs: [...rest.repairs, { at: repairedAt, action: actions.join('; ') }],
      },
      metaPath,
    )
    if (keepUnreadableAs !== undefined) {
      const kept = join(dir, keepUnreadableAs)
      withStorageErrors(metaPath, 'keeping the unreadable session.json', () => renameSync(metaPath, kept))
    }
    writeFileAtomic(metaPath, formatSessionMeta(repaired))
    removeStaleRecorderLock(dir)
    return { dir, id, outcome: 'repaired', actions }
  } catch (err) {
    const error = err instanceof CorruptSessionError ? err : toStorageError(err, dir, 'repairing')
    return { dir, id, outcome: 'failed', actions, error }
  }
}

/** Runs repair over the whole library; one bad folder never stops the others. */
export function repairUnfinishedSessions(dataDir: string, options: RepairOptions = {}): RepairResult[] {
  return listSessionDirs(dataDir)
    .map((dir) => repairSessionDir(dir, options))
    .filter((r): r is RepairResult => r !== null)
}
