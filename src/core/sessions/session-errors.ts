/**
 * Typed failures of session storage. The fs adapters in src/main/sessions map errno codes onto
 * these so callers (UI, CLI) can say "disk full" or "read-only folder" instead of a raw EIO dump,
 * and so tests can assert the kind of failure rather than its wording.
 */
import { AuscultaError, FormatError } from '../errors'
import type { SchemaFailure } from '../zod-issue'

/** Any failure reading or writing the session store; `path` is the file or folder involved. */
export class SessionStorageError extends AuscultaError {
  readonly path: string
  readonly code: string | undefined
  constructor(message: string, path: string, options?: { cause?: unknown; code?: string }) {
    super(message, options)
    this.path = path
    this.code = options?.code
  }
}

/** ENOSPC / EDQUOT: the volume holding the data directory is full. */
export class DiskFullError extends SessionStorageError {}

/** EROFS / EACCES / EPERM: the data directory (or a file in it) cannot be written. */
export class ReadOnlyStorageError extends SessionStorageError {}

/** A session file exists but does not hold what it should (hand edits, truncation, bad JSON). */
export class CorruptSessionError extends FormatError {
  readonly file: string
  readonly field: string | undefined
  constructor(file: string, field: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${field === undefined ? '' : `field "${field}": `}${detail}`, options)
    this.file = file
    this.field = field
  }
}

/** The `fail` for parseJsonWith/validateWith (src/core/zod-issue.ts) on a session file: a CorruptSessionError naming it. */
export function corruptSession(file: string): (failure: SchemaFailure) => never {
  return ({ field, detail, cause }) => {
    throw new CorruptSessionError(file, field, detail, cause === undefined ? undefined : { cause })
  }
}

/** The session (or visit) named by a caller does not exist in the library. */
export class SessionNotFoundError extends AuscultaError {}
