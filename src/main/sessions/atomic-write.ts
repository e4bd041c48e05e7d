/**
 * Atomic file replacement: write a temporary file in the same directory, fsync it, rename it over
 * the target, fsync the directory. A crash or a full disk leaves either the old file or the new
 * one, never a torn mix; on failure the temporary file is removed and the old file is untouched.
 * Synchronous on purpose: session files are small (kilobytes) and strict ordering is the point.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { toStorageError } from './fs-errors'

let tempCounter = 0

/** fsync a directory so a rename in it survives power loss; some platforms cannot, which is harmless. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Windows cannot open directories; EISDIR/EPERM here only weakens durability, not atomicity.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Writes every byte of `data` at the fd's position (writeSync may write less than asked). */
export function writeAll(fd: number, data: Uint8Array, position?: number): void {
  let done = 0
  while (done < data.length) {
    const n = writeSync(fd, data, done, data.length - done, position === undefined ? null : position + done)
    done += n
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = dirname(path)
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`)
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  let fd: number | undefined
  try {
    fd = openSync(temp, 'wx', mode)
    writeAll(fd, bytes)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(temp, path)
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      unlinkSync(temp)
    } catch {
      // temp never created (EROFS/EACCES) or already renamed
    }
    throw toStorageError(err, path, 'writing')
  }
  fsyncDirectory(dir)
}

/**
 * `data` written beside `path` and renamed over it, on libuv's thread pool (no fsync: for files
 * rebuilt from the audio when lost, such as the peak overview and the search embeddings).
 * Throws a typed storage error naming `path` and `action`.
 */
export async function writeFileAtomicAsync(path: string, data: Uint8Array, action: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let handle: FileHandle | undefined
  try {
    handle = await open(temp, 'wx', 0o600)
    await handle.writeFile(data)
    await handle.close()
    handle = undefined
    await rename(temp, path)
  } catch (err) {
    await handle?.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw toStorageError(err, path, action)
  }
}
