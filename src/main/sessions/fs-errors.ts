/**
 * errno → typed storage errors, so "disk full" and "read-only folder" reach the user as such
 * (with the path) instead of a raw Node error.
 */
import { DiskFullError, ReadOnlyStorageError, SessionStorageError } from '../../core/sessions/session-errors'
import { errnoCode, errnoKind } from '../io/file-errors'

/** Wraps an fs failure; non-fs errors (already typed, programming errors) pass through unchanged. */
export function toStorageError(err: unknown, path: string, action: string): Error {
  if (err instanceof SessionStorageError) return err
  const code = errnoCode(err)
  if (code === undefined) return err instanceof Error ? err : new Error(String(err))
  const detail = err instanceof Error ? err.message : String(err)
  if (errnoKind(code) === 'disk-full') {
    return new DiskFullError(`${path}: ${action} failed: disk full (${code}); what was saved before is intact`, path, { cause: err, code })
  }
  if (errnoKind(code) === 'not-writable') {
    return new ReadOnlyStorageError(`${path}: ${action} failed: storage is read-only or not writable (${code})`, path, { cause: err, code })
  }
  return new SessionStorageError(`${path}: ${action} failed: ${detail}`, path, { cause: err, code })
}

/** Runs `fn`, rethrowing fs failures as typed storage errors naming `path`. */
export function withStorageErrors<T>(path: string, action: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw toStorageError(err, path, action)
  }
}
