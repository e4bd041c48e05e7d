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

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  ENOTDIR: 'file not found (a parent is not a directory)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
}

/** Turn a Node fs error into a typed one naming the path; anything else is passed through. */
export function fileErrorFrom(error: unknown, path: string, action: 'read' | 'write'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (typeof code !== 'string') return error
  const what = DESCRIPTIONS[code] ?? `cannot ${action} (${code})`
  return code === 'ENOENT' || code === 'ENOTDIR'
    ? new FileNotFoundError(path, code, what, { cause: error })
    : new FileAccessError(path, code, what, { cause: error })
}
