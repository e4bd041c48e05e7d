/**
 * The session library: list, search, read, edit metadata, delete to trash and restore. Folders
 * that do not parse (hand edits) and recordings no recorder finished (a crash whose start-up
 * repair failed, e.g. on a read-only folder) are reported as problems beside the list, never
 * hidden and never modified here, so one bad folder cannot take the library down or lose data.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join, relative, sep } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import { parseHrTrace, type ParsedHrTrace } from '../../core/sessions/hr-trace'
import { filterSessions, type SessionQuery } from '../../core/sessions/library-filter'
import { CorruptSessionError, SessionNotFoundError } from '../../core/sessions/session-errors'
import {
  SESSION_ID_PATTERN,
  formatSessionMeta,
  parseSessionMeta,
  validateSessionMeta,
  type Patient,
  type SessionLocation,
  type SessionMeta,
} from '../../core/sessions/session-schema'
import { decodeWav, type WavAudio } from '../../core/wav/wav-reader'
import { fsyncDirectory, writeFileAtomic } from './atomic-write'
import { SESSION_FILES, dayFolder, ensurePrivateDir, sessionsRoot, trashRoot } from './data-dir'
import { toStorageError, withStorageErrors } from './fs-errors'
import { recorderLockState } from './recorder-lock'
import { listSessionDirs } from './repair'

export interface SessionEntry {
  meta: SessionMeta
  dir: string
}

/**
 * A session folder the library cannot show as a normal session:
 * - `unreadable`: session.json is missing or does not parse (hand edit, damage);
 * - `unfinished`: session.json says "recording" but no recorder holds the session's lock (the
 *   recorder crashed, was killed or lost power, and repair has not fixed it yet).
 */
export interface SessionProblem {
  dir: string
  /** `<day>/<folder>` under sessions/: names the folder even when its session.json cannot say its id. */
  key: string
  kind: 'unreadable' | 'unfinished'
  /** Names the file and field (or the state) that is wrong. */
  error: CorruptSessionError
  /** What session.json says, when it could be read (`unfinished`). */
  meta?: SessionMeta
}

export interface SessionListing {
  /** Sessions that read cleanly, including one being recorded right now. */
  sessions: SessionEntry[]
  problems: SessionProblem[]
}

/** The `<day>/<folder>` key of a session folder under the data directory's sessions/. */
export function sessionFolderKey(dataDir: string, dir: string): string {
  return relative(sessionsRoot(dataDir), dir).split(sep).join('/')
}

/** What the user may change after recording; audio, timing and status are the recorder's. */
export interface SessionMetaChanges {
  patient?: Patient
  location?: SessionLocation
  locationDetail?: string
  notes?: string
}

export class SessionLibrary {
  readonly dataDir: string

  constructor(dataDir: string) {
    this.dataDir = dataDir
  }

  list(): SessionListing {
    const sessions: SessionEntry[] = []
    const problems: SessionListing['problems'] = []
    const dirs = withStorageErrors(this.dataDir, 'listing sessions', () => listSessionDirs(this.dataDir))
    for (const dir of dirs) {
      const metaPath = join(dir, SESSION_FILES.meta)
      const key = sessionFolderKey(this.dataDir, dir)
      try {
        if (!existsSync(metaPath)) {
          // A recorder that is starting holds its lock before it writes session.json.
          if (recorderLockState(dir).state === 'held') continue
          throw new CorruptSessionError(metaPath, undefined, 'missing')
        }
        const meta = parseSessionMeta(readFileSync(metaPath, 'utf8'), metaPath)
        if (meta.id !== basename(dir))
          throw new CorruptSessionError(metaPath, 'id', `"${meta.id}" differs from the folder name "${basename(dir)}"`)
        if (meta.status === 'recording' && recorderLockState(dir).state !== 'held') {
          const error = new CorruptSessionError(
            metaPath,
            'status',
            '"recording", but no recorder is running: the recording was not finished (crash, kill or power cut)',
          )
          problems.push({ dir, key, kind: 'unfinished', error, meta })
          continue
        }
        sessions.push({ meta, dir })
      } catch (err) {
        if (err instanceof CorruptSessionError) problems.push({ dir, key, kind: 'unreadable', error: err })
        else throw toStorageError(err, metaPath, 'reading')
      }
    }
    return { sessions, problems }
  }

  /** The problem folder named by `key` (`<day>/<folder>`, as `list()` gives it). */
  problem(key: string): SessionProblem {
    const found = this.list().problems.find((p) => p.key === key)
    // The key is not quoted back: it is request text.
    if (!found)
      throw new SessionNotFoundError("problem session: not among the library's problem sessions (it may have been repaired already)")
    return found
  }

  /** Sessions matching `query`, newest first. */
  search(query: SessionQuery = {}): SessionEntry[] {
    const { sessions } = this.list()
    const byId = new Map(sessions.map((s) => [s.meta.id, s]))
    return filterSessions(
      sessions.map((s) => s.meta),
      query,
    ).map((m) => byId.get(m.id) as SessionEntry)
  }

  /** One session by id: looks for the folder in each day folder and parses only its session.json. */
  get(id: string): SessionEntry {
    if (!SESSION_ID_PATTERN.test(id)) throw new SessionNotFoundError(`session ${JSON.stringify(id)}: not a session id`)
    const root = sessionsRoot(this.dataDir)
    const days = withStorageErrors(root, 'listing sessions', () => (existsSync(root) ? readdirSync(root) : []))
    const day = days.find((d) => existsSync(join(root, d, id, SESSION_FILES.meta)) || existsSync(join(root, d, id, SESSION_FILES.audio)))
    if (day === undefined) throw new SessionNotFoundError(`session ${id}: not found in ${this.dataDir}`)
    const dir = join(root, day, id)
    const metaPath = join(dir, SESSION_FILES.meta)
    if (!existsSync(metaPath)) throw new CorruptSessionError(metaPath, undefined, 'missing (run start-up repair)')
    const meta = parseSessionMeta(
      withStorageErrors(metaPath, 'reading', () => readFileSync(metaPath, 'utf8')),
      metaPath,
    )
    if (meta.id !== id) throw new CorruptSessionError(metaPath, 'id', `"${meta.id}" differs from the folder name "${id}"`)
    return { meta, dir }
  }

  readAudio(id: string): WavAudio {
    const { dir } = this.get(id)
    const path = join(dir, SESSION_FILES.audio)
    const bytes = withStorageErrors(path, 'reading', () => readFileSync(path))
    return decodeWav(bytes, path)
  }

  readTrace(id: string): ParsedHrTrace {
    const { dir } = this.get(id)
    const path = join(dir, SESSION_FILES.trace)
    if (!existsSync(path)) return { entries: [], warnings: [] }
    return parseHrTrace(
      withStorageErrors(path, 'reading', () => readFileSync(path, 'utf8')),
      path,
    )
  }

  updateMeta(id: string, changes: SessionMetaChanges): SessionMeta {
    const { meta, dir } = this.get(id)
    const metaPath = join(dir, SESSION_FILES.meta)
    const updated = validateSessionMeta({ ...meta, ...changes }, metaPath)
    writeFileAtomic(metaPath, formatSessionMeta(updated))
    return updated
  }

  /**
   * Moves the session folder to <dataDir>/trash/<day of deletion>/<id> (one rename: atomic,
   * nothing copied).
   * A session still being recorded cannot be deleted.
   */
  delete(id: string, now: Date = new Date()): string {
    const { meta, dir } = this.get(id)
    if (meta.status === 'recording') throw new InvalidArgumentError(`session ${id}: still recording (or awaiting repair); stop it first`)
    // Filed under the day of deletion, so purgeTrash can keep a grace period.
    const target = join(trashRoot(this.dataDir), dayFolder(now.toISOString()), id)
    ensurePrivateDir(dirname(target))
    if (existsSync(target)) throw new InvalidArgumentError(`session ${id}: trash already holds ${target}`)
    withStorageErrors(dir, 'moving to trash', () => renameSync(dir, target))
    fsyncDirectory(dirname(dir))
    fsyncDirectory(dirname(target))
    return target
  }

  /** Ids of sessions in the trash. */
  listTrash(): string[] {
    const root = trashRoot(this.dataDir)
    if (!existsSync(root)) return []
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((day) => readdirSync(join(root, day.name)))
      .sort()
  }

  /**
   * Permanently removes trashed sessions whose trash day folder is older than `olderThanDays`
   * (0 = everything in the trash). The only place where session data is destroyed.
   */
  purgeTrash(olderThanDays: number, now: Date = new Date()): string[] {
    if (!Number.isFinite(olderThanDays) || olderThanDays < 0)
      throw new InvalidArgumentError(`olderThanDays: must be ≥ 0, got ${olderThanDays}`)
    const root = trashRoot(this.dataDir)
    if (!existsSync(root)) return []
    const cutoffMs = now.getTime() - olderThanDays * 86_400_000
    const purged: string[] = []
    for (const day of readdirSync(root).sort()) {
      const dayMs = Date.parse(`${day}T00:00:00Z`)
      if (!Number.isFinite(dayMs) || (olderThanDays > 0 && dayMs + 86_400_000 > cutoffMs)) continue
      for (const id of readdirSync(join(root, day))) {
        withStorageErrors(join(root, day, id), 'purging from trash', () => rmSync(join(root, day, id), { recursive: true, force: true }))
        purged.push(id)
      }
      withStorageErrors(join(root, day), 'purging from trash', () => rmSync(join(root, day), { recursive: true, force: true }))
    }
    return purged.sort()
  }

  restore(id: string): string {
    const root = trashRoot(this.dataDir)
    const day = existsSync(root) ? readdirSync(root).find((d) => existsSync(join(root, d, id))) : undefined
    if (day === undefined) throw new SessionNotFoundError(`session ${id}: not in the trash (${root})`)
    // Back to the folder of its recording day (from its session.json; the trash day otherwise).
    const trashedMeta = join(root, day, id, SESSION_FILES.meta)
    let recordingDay = day
    try {
      recordingDay = dayFolder(parseSessionMeta(readFileSync(trashedMeta, 'utf8'), trashedMeta).startedAt)
    } catch {
      // unreadable session.json: restore it anyway, the library will report it
    }
    const target = join(sessionsRoot(this.dataDir), recordingDay, id)
    if (existsSync(target)) throw new InvalidArgumentError(`session ${id}: ${target} already exists`)
    ensurePrivateDir(dirname(target))
    withStorageErrors(target, 'restoring from trash', () => renameSync(join(root, day, id), target))
    return target
  }
}
