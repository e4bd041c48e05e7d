/**
 * Whether a session is still being recorded, decided by a lock its recorder holds, not by a pid.
 *
 * The recorder creates `<session>/recorder.lock` exclusively (O_EXCL) before it writes anything
 * else and keeps it open until the recording is finalised. The lock is "held" while some process
 * has that very file (device + inode) open:
 *
 * - Linux (and any system with /proc/<pid>/fd): the process named in the lock file is asked,
 *   through /proc, whether one of its descriptors is this file. A pid reused by another program
 *   (after a crash, after a reboot) has no descriptor on it, so the session is not mistaken for a
 *   live one; a copied or restored folder has a new inode nobody holds. When the lock file does
 *   not name a pid (a crash tore its first write) every process is asked.
 * - macOS: the file is opened with O_EXLOCK (a flock held by the open file) and probed with
 *   O_SHLOCK | O_NONBLOCK; the kernel drops the lock when the holder dies.
 * - Windows: the file is opened without sharing (UV_FS_O_EXLOCK); a probe that meets a sharing
 *   violation (EBUSY) means a holder is alive.
 * Only where none of these exists does it fall back to probing the pid (signal 0).
 *
 * The macOS and Windows paths follow the platforms' documented semantics; the test suite runs on
 * Linux and exercises the /proc path with real processes.
 */
import { closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { writeAll } from './atomic-write'
import { withStorageErrors } from './fs-errors'

export const RECORDER_LOCK_FILE = 'recorder.lock'

/** What the lock file says about its holder (for people and for the pid probe fallback). */
export interface RecorderLockInfo {
  pid: number
  hostname: string
  acquiredAt: string
}

export type RecorderLockState =
  /** No lock file: no recorder of this version is writing the folder. */
  | { state: 'none' }
  /** A live process holds the lock: the session is being recorded right now. */
  | { state: 'held'; pid: number | null }
  /** The lock file is left over from a recorder that is gone (crash, kill, power cut, reboot). */
  | { state: 'stale'; pid: number | null }

/** macOS open(2) flags (sys/fcntl.h); Node does not export them. */
const DARWIN_O_SHLOCK = 0x10
const DARWIN_O_EXLOCK = 0x20
/** libuv's Windows flag for opening a file with no sharing (uv.h UV_FS_O_EXLOCK). */
const UV_FS_O_EXLOCK = 0x10000000

type Method = 'proc' | 'flock' | 'share-deny' | 'pid'

function lockMethod(): Method {
  if (process.platform === 'darwin') return 'flock'
  if (process.platform === 'win32') return 'share-deny'
  return existsSync(`/proc/${process.pid}/fd`) ? 'proc' : 'pid'
}

function createFlags(method: Method): number {
  const base = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL
  if (method === 'flock') return base | DARWIN_O_EXLOCK | (constants.O_NONBLOCK ?? 0)
  if (method === 'share-deny') return base | UV_FS_O_EXLOCK
  return base
}

/** The lock a running recorder holds on its session folder; `release()` when the recording is final. */
export class RecorderLock {
  private fd: number | null

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd
  }

  /**
   * Creates and holds `<dir>/recorder.lock`. Fails if the file exists: another recorder holds
   * the folder, or a crashed one left it (a new recording always gets a new folder).
   */
  static acquire(dir: string): RecorderLock {
    const path = join(dir, RECORDER_LOCK_FILE)
    const fd = withStorageErrors(path, 'creating the recorder lock', () => openSync(path, createFlags(lockMethod()), 0o600))
    const info: RecorderLockInfo = { pid: process.pid, hostname: hostname(), acquiredAt: new Date().toISOString() }
    try {
      withStorageErrors(path, 'writing the recorder lock', () => {
        writeAll(fd, Buffer.from(`${JSON.stringify(info)}\n`, 'utf8'), 0)
        fsyncSync(fd)
      })
    } catch (err) {
      closeSync(fd)
      try {
        unlinkSync(path)
      } catch {
        // read-only by now: repair will find it stale
      }
      throw err
    }
    return new RecorderLock(path, fd)
  }

  get held(): boolean {
    return this.fd !== null
  }

  /** Closes the lock (the recording is no longer live) and removes the file; idempotent, never throws. */
  release(): void {
    if (this.fd === null) return
    try {
      closeSync(this.fd)
    } catch {
      // already closed
    }
    this.fd = null
    removeLockFile(this.path)
  }
}

function removeLockFile(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // gone already, or a read-only folder: a stale lock file is harmless (nobody holds it)
  }
}

function readLockInfo(path: string): Partial<RecorderLockInfo> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown
    return parsed !== null && typeof parsed === 'object' ? (parsed as Partial<RecorderLockInfo>) : {}
  } catch {
    // Torn by a crash between create and write: no pid to ask.
    return {}
  }
}

/** Whether process `pid` has a descriptor open on the file with this device and inode. */
function processHoldsFile(pid: number, dev: number, ino: number): boolean {
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    // ENOENT: no such process. EACCES: another user's process, which cannot hold our 0600 file
    // open for writing in our 0700 data folder.
    return false
  }
  for (const fd of fds) {
    try {
      // stat() follows the magic link to the open file itself, even an unlinked one.
      const st = statSync(`/proc/${pid}/fd/${fd}`)
      if (st.dev === dev && st.ino === ino) return true
    } catch {
      // closed between readdir and stat
    }
  }
  return false
}

function anyProcessHoldsFile(dev: number, ino: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    if (processHoldsFile(Number(entry), dev, ino)) return Number(entry)
  }
  return null
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The state of the recorder lock of session folder `dir`. Never throws for a missing or unreadable lock. */
export function recorderLockState(dir: string): RecorderLockState {
  const path = join(dir, RECORDER_LOCK_FILE)
  let st
  try {
    st = statSync(path)
  } catch {
    return { state: 'none' }
  }
  const info = readLockInfo(path)
  const pid = typeof info.pid === 'number' && Number.isInteger(info.pid) && info.pid > 0 ? info.pid : null
  const method = lockMethod()
  if (method === 'proc') {
    if (pid !== null) return processHoldsFile(pid, st.dev, st.ino) ? { state: 'held', pid } : { state: 'stale', pid }
    const holder = anyProcessHoldsFile(st.dev, st.ino)
    return holder !== null ? { state: 'held', pid: holder } : { state: 'stale', pid: null }
  }
  if (method === 'flock' || method === 'share-deny') {
    let fd: number | undefined
    try {
      fd = openSync(path, method === 'flock' ? constants.O_RDONLY | DARWIN_O_SHLOCK | (constants.O_NONBLOCK ?? 0) : constants.O_RDONLY)
      return { state: 'stale', pid }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EBUSY') return { state: 'held', pid }
      return { state: 'stale', pid }
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
  }
  // Last resort (no /proc, no flock): the pid, only trusted on the same host.
  const sameHost = info.hostname === undefined || info.hostname === hostname()
  return pid !== null && sameHost && pidIsAlive(pid) ? { state: 'held', pid } : { state: 'stale', pid }
}

/** Removes the lock file of a folder whose recorder is gone (after repair); a held lock is left alone. */
export function removeStaleRecorderLock(dir: string): void {
  if (recorderLockState(dir).state === 'stale') removeLockFile(join(dir, RECORDER_LOCK_FILE))
}
