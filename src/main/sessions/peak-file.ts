/**
 * A session's peak overview on disk (`peaks.bin`, format in src/core/sessions/peak-overview.ts):
 * written by the recorder when a recording stops and by the audio worker for sessions that lack
 * one. It is a cache of what audio.wav holds, so it is replaced atomically (temporary file,
 * rename: a reader never sees half a file) but never fsync'd: a file torn by a power cut fails
 * its header and length checks and is built again from the audio. Writing it costs the recorder
 * a few milliseconds at stop (3.6 MB for 3 h, into the page cache, no copy) and no disk flush.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, renameSync, unlinkSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { encodePeakOverview, peakFileParts, type PeakOverview } from '../../core/sessions/peak-overview'
import { writeAll, writeFileAtomicAsync } from './atomic-write'
import { toStorageError } from './fs-errors'

export const PEAK_FILE_NAME = 'peaks.bin'

export function peakFilePath(sessionDir: string): string {
  return join(sessionDir, PEAK_FILE_NAME)
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
}

/** Writes `overview` to `<sessionDir>/peaks.bin` (replacing it atomically). Throws a typed storage error. */
export function writePeakFileSync(sessionDir: string, overview: PeakOverview): void {
  const path = peakFilePath(sessionDir)
  const temp = tempPathFor(path)
  let fd: number | undefined
  try {
    fd = openSync(temp, 'wx', 0o600)
    // Straight from the overview's arrays: no 3.6-MB copy on the recorder's thread for 3 h.
    for (const part of peakFileParts(overview)) writeAll(fd, part)
    closeSync(fd)
    fd = undefined
    renameSync(temp, path)
  } catch (err) {
    if (fd !== undefined) closeSync(fd)
    try {
      unlinkSync(temp)
    } catch {
      // never created (read-only) or already renamed
    }
    throw toStorageError(err, path, 'writing the peak overview')
  }
}

/** The same, on libuv's thread pool (the audio worker builds overviews while it answers other requests). */
export async function writePeakFile(sessionDir: string, overview: PeakOverview): Promise<void> {
  const path = peakFilePath(sessionDir)
  await writeFileAtomicAsync(path, encodePeakOverview(overview), 'writing the peak overview')
}
