import { AuscultaError } from '../../core/errors'

/** A file could not be opened, read or written; `code` is the Node error code (ENOENT, EACCES...). */
export class FileAccessError extends AuscultaError {
  readonly path: string
  readonly code: string

  constructor(path: string, code: string, what: string, options?: { cause?: unknown }) {
    super(`${path}: ${what}`, options)
    this.path = path
    this.code = code
  }
}

/** The file does not exist (ENOENT / ENOTDIR). */
export class FileNotFoundError extends FileAccessError {}

/** How an fs failure is treated: missing, not writable (permissions or a read-only volume), full, or anything else. */
export type ErrnoKind = 'not-found' | 'not-writable' | 'disk-full' | 'other'

/** What each errno means, once for every fs adapter (these files and src/main/sessions/fs-errors.ts). */
const ERRNO: Readonly<Record<string, { words: string; kind: ErrnoKind }>> = {
  ENOENT: { words: 'file not found', kind: 'not-found' },
  ENOTDIR: { words: 'file not found (a parent is not a directory)', kind: 'not-found' },
  EACCES: { words: 'permission denied', kind: 'not-writable' },
  EPERM: { words: 'operation not permitted', kind: 'not-writable' },
  EROFS: { words: 'read-only file system', kind: 'not-writable' },
  ENOSPC: { words: 'no space left on device', kind: 'disk-full' },
  EDQUOT: { words: 'disk quota exceeded', kind: 'disk-full' },
  EISDIR: { words: 'is a directory, not a file', kind: 'other' },
}

/** The Node error code of an fs failure, or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

export function errnoKind(code: string): ErrnoKind {
  return ERRNO[code]?.kind ?? 'other'
}

/** Turn a Node fs error into a typed one naming the path; anything else is passed through. */
export function fileErrorFrom(error: unknown, path: string, action: 'read' | 'write'): unknown {
  const code = errnoCode(error)
  if (code === undefined) return error
  const what = ERRNO[code]?.words ?? `cannot ${action} (${code})`
  return errnoKind(code) === 'not-found'
    ? new FileNotFoundError(path, code, what, { cause: error })
    : new FileAccessError(path, code, what, { cause: error })
}
