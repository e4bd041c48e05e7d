/**
 * Layout of the app's data directory:
 *   <dataDir>/sessions/<yyyy-mm-dd>/<id>/{audio.wav, session.json, hr-trace.jsonl, annotations.json}
 *   <dataDir>/visits/<visitId>.json        (4-point exams; each session.json also carries visitId)
 *   <dataDir>/trash/<yyyy-mm-dd>/<id>/     (deleted sessions by day of deletion, restorable)
 * The directory holds patient data: it is created owner-only (0700).
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { withStorageErrors } from './fs-errors'

export const SESSION_FILES = {
  audio: 'audio.wav',
  meta: 'session.json',
  trace: 'hr-trace.jsonl',
  annotations: 'annotations.json',
} as const

export const DATA_DIR_MODE = 0o700

/** Creates `dir` (and parents) owner-only if missing; existing directories are left as they are. */
export function ensurePrivateDir(dir: string): void {
  withStorageErrors(dir, 'creating directory', () => {
    // One level at a time, not { recursive: true }: Node's recursive mkdir reports ENOENT
    // instead of EROFS on a read-only volume, and the user must be told the real cause.
    const missing: string[] = []
    for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
      missing.unshift(d)
      if (dirname(d) === d) break
    }
    for (const d of missing) {
      mkdirSync(d, { mode: DATA_DIR_MODE })
      // mkdir's mode is filtered by the umask; state it explicitly.
      chmodSync(d, DATA_DIR_MODE)
    }
  })
}

export function sessionsRoot(dataDir: string): string {
  return join(dataDir, 'sessions')
}

export function visitsRoot(dataDir: string): string {
  return join(dataDir, 'visits')
}

export function trashRoot(dataDir: string): string {
  return join(dataDir, 'trash')
}

/** yyyy-mm-dd of an ISO timestamp as written (UTC for the timestamps the app writes). */
export function dayFolder(startedAtIso: string): string {
  return startedAtIso.slice(0, 10)
}

export function sessionDir(dataDir: string, startedAtIso: string, id: string): string {
  return join(sessionsRoot(dataDir), dayFolder(startedAtIso), id)
}

/** Sortable, unique, path-safe id: 20261125T221500Z-3fa9c2. */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}
