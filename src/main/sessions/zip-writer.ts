/**
 * Minimal ZIP writer (PKWARE APPNOTE 6.3: local headers, central directory, end record; no
 * ZIP64, no encryption): each entry deflated with node:zlib, or stored when deflate does not
 * shrink it (WAV noise often does not). Enough for exports; `unzip -t` verifies the result.
 */
import { deflateRawSync } from 'node:zlib'
import { InvalidArgumentError } from '../../core/errors'
import { crc32 } from '../../core/sessions/crc32'

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, no leading '/' or '..'. */
  name: string
  data: Uint8Array
  modified?: Date
}

const STORED = 0
const DEFLATED = 8
const UTF8_NAMES_FLAG = 1 << 11
const VERSION_NEEDED = 20
/** ZIP without ZIP64 caps sizes and offsets at 32 bits and entries at 16. */
const MAX_32 = 0xffffffff
const MAX_ENTRIES = 0xffff

function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getFullYear())
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  }
}

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').some((p) => p === '..' || p === '')) {
    throw new InvalidArgumentError(`zip entry name ${JSON.stringify(name)}: must be a relative '/'-separated path without '..'`)
  }
}

export function buildZip(entries: readonly ZipEntry[]): Uint8Array {
  if (entries.length > MAX_ENTRIES) throw new InvalidArgumentError(`zip: ${entries.length} entries exceed ${MAX_ENTRIES} (no ZIP64)`)
  const chunks: Uint8Array[] = []
  const central: Uint8Array[] = []
  let offset = 0
  for (const entry of entries) {
    checkName(entry.name)
    const name = Buffer.from(entry.name, 'utf8')
    const deflated = deflateRawSync(entry.data, { level: 6 })
    const method = deflated.length < entry.data.length ? DEFLATED : STORED
    const body = method === DEFLATED ? deflated : entry.data
    const crc = crc32(entry.data)
    const { time, day } = dosDateTime(entry.modified ?? new Date())
    if (entry.data.length > MAX_32 || offset > MAX_32) throw new InvalidArgumentError(`zip entry ${entry.name}: over 4 GiB (no ZIP64)`)

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(VERSION_NEEDED, 4)
    local.writeUInt16LE(UTF8_NAMES_FLAG, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(day, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(entry.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)

    const dir = Buffer.alloc(46)
    dir.writeUInt32LE(0x02014b50, 0)
    dir.writeUInt16LE((3 << 8) | VERSION_NEEDED, 4) // made by: Unix, so unzip applies the mode below
    dir.writeUInt16LE(VERSION_NEEDED, 6)
    dir.writeUInt16LE(UTF8_NAMES_FLAG, 8)
    dir.writeUInt16LE(method, 10)
    dir.writeUInt16LE(time, 12)
    dir.writeUInt16LE(day, 14)
    dir.writeUInt32LE(crc, 16)
    dir.writeUInt32LE(body.length, 20)
    dir.writeUInt32LE(entry.data.length, 24)
    dir.writeUInt16LE(name.length, 28)
    dir.writeUInt32LE((0o100600 << 16) >>> 0, 38) // regular file, owner read/write: patient data
    dir.writeUInt32LE(offset, 42)

    chunks.push(local, name, body)
    central.push(dir, name)
    offset += local.length + name.length + body.length
  }
  const centralBytes = central.reduce((n, c) => n + c.length, 0)
  if (offset > MAX_32) throw new InvalidArgumentError('zip: archive over 4 GiB (no ZIP64)')
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralBytes, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...chunks, ...central, end])
}
