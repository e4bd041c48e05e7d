/**
 * ZIP archives for exports, written by fflate (deflate level 6, UTF-8 names). This adapter keeps
 * what the exports need on top: entry names checked (relative, no '..'), the 4-GiB and 65535-entry
 * limits of a ZIP without ZIP64 as typed errors, and every file stored as owner read/write only
 * (patient data). `unzip -t` verifies the result (tests/main/sessions/exporter.test.ts).
 */
import { zipSync, type Zippable } from 'fflate'
import { InvalidArgumentError } from '../../core/errors'

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, no leading '/' or '..'. */
  name: string
  data: Uint8Array
  modified?: Date
}

/** ZIP without ZIP64 caps sizes and offsets at 32 bits and entries at 16. */
const MAX_32 = 0xffffffff
const MAX_ENTRIES = 0xffff
/** External attributes as Unix writes them: a regular file, mode 0600. */
const UNIX = 3
const OWNER_READ_WRITE = (0o100600 << 16) >>> 0

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').some((p) => p === '..' || p === '')) {
    throw new InvalidArgumentError(`zip entry name ${JSON.stringify(name)}: must be a relative '/'-separated path without '..'`)
  }
}

export function buildZip(entries: readonly ZipEntry[]): Uint8Array {
  if (entries.length > MAX_ENTRIES) throw new InvalidArgumentError(`zip: ${entries.length} entries exceed ${MAX_ENTRIES} (no ZIP64)`)
  const files: Zippable = {}
  let total = 0
  for (const entry of entries) {
    checkName(entry.name)
    if (Object.hasOwn(files, entry.name)) throw new InvalidArgumentError(`zip entry name ${JSON.stringify(entry.name)}: listed twice`)
    total += entry.data.length
    if (total > MAX_32) throw new InvalidArgumentError(`zip entry ${entry.name}: archive over 4 GiB (no ZIP64)`)
    files[entry.name] = [entry.data, { level: 6, mtime: entry.modified ?? new Date(), os: UNIX, attrs: OWNER_READ_WRITE }]
  }
  return zipSync(files)
}
