/**
 * DICOM Part 10 files (PS3.10 7.1): 128-byte preamble, "DICM", the file meta group, then the data
 * set — written and read in explicit VR little endian, the one transfer syntax every DICOM system
 * accepts and the one we write. Sequences are written with defined lengths; the reader also takes
 * undefined lengths (item and sequence delimiters), as other systems often write them.
 */
import {
  DicomFormatError,
  LONG_LENGTH_VRS,
  el,
  formatTag,
  read,
  tag,
  type DicomDataset,
  type DicomElement,
  type DicomVr,
} from './dicom-dataset'

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1'

const TAG_ITEM = tag(0xfffe, 0xe000)
const TAG_ITEM_END = tag(0xfffe, 0xe00d)
const TAG_SEQUENCE_END = tag(0xfffe, 0xe0dd)
const UNDEFINED_LENGTH = 0xffffffff

export const META = {
  groupLength: tag(0x0002, 0x0000),
  version: tag(0x0002, 0x0001),
  sopClassUid: tag(0x0002, 0x0002),
  sopInstanceUid: tag(0x0002, 0x0003),
  transferSyntaxUid: tag(0x0002, 0x0010),
  implementationClassUid: tag(0x0002, 0x0012),
  implementationVersionName: tag(0x0002, 0x0013),
} as const

export interface Part10Info {
  sopClassUid: string
  sopInstanceUid: string
  implementationClassUid: string
  implementationVersionName: string
}

/** Value bytes padded to even length: UI with NUL, OB/UN with NUL, other text with a space. */
function padded(vr: DicomVr, bytes: Uint8Array): Uint8Array {
  if (bytes.length % 2 === 0) return bytes
  const out = new Uint8Array(bytes.length + 1)
  out.set(bytes)
  out[bytes.length] = vr === 'UI' || vr === 'OB' || vr === 'UN' ? 0 : 0x20
  return out
}

/** Encodes elements (sorted by tag) into chunks; returns the total length. */
function encodeElements(ds: DicomDataset, chunks: Uint8Array[]): number {
  let total = 0
  for (const t of [...ds.keys()].sort((a, b) => a - b)) {
    total += encodeElement(t, ds.get(t) as DicomElement, chunks)
  }
  return total
}

function header(t: number, vr: DicomVr, length: number): Uint8Array {
  const long = LONG_LENGTH_VRS.has(vr)
  const out = new Uint8Array(long ? 12 : 8)
  const view = new DataView(out.buffer)
  view.setUint16(0, t >>> 16, true)
  view.setUint16(2, t & 0xffff, true)
  out[4] = vr.charCodeAt(0)
  out[5] = vr.charCodeAt(1)
  if (long) view.setUint32(8, length, true)
  else {
    if (length > 0xffff) throw new DicomFormatError(`${formatTag(t)}: ${length} bytes do not fit a ${vr} value (at most 65534)`)
    view.setUint16(6, length, true)
  }
  return out
}

function encodeElement(t: number, element: DicomElement, chunks: Uint8Array[]): number {
  if (element.vr === 'SQ') {
    const at = chunks.length
    chunks.push(new Uint8Array(0)) // placeholder for the header, once the length is known
    let length = 0
    for (const item of element.items ?? []) {
      const itemAt = chunks.length
      chunks.push(new Uint8Array(0))
      const itemLength = encodeElements(item, chunks)
      const itemHeader = new Uint8Array(8)
      const view = new DataView(itemHeader.buffer)
      view.setUint16(0, 0xfffe, true)
      view.setUint16(2, 0xe000, true)
      view.setUint32(4, itemLength, true)
      chunks[itemAt] = itemHeader
      length += 8 + itemLength
    }
    const sqHeader = header(t, 'SQ', length)
    chunks[at] = sqHeader
    return sqHeader.length + length
  }
  const value = padded(element.vr, element.bytes ?? new Uint8Array(0))
  if (value.length >= UNDEFINED_LENGTH) throw new DicomFormatError(`${formatTag(t)}: ${value.length} bytes exceed a DICOM value's 4 GiB`)
  const h = header(t, element.vr, value.length)
  chunks.push(h, value)
  return h.length + value.length
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** A Part 10 file of `dataset` (explicit VR little endian), with its file meta group. */
export function encodePart10(info: Part10Info, dataset: DicomDataset): Uint8Array {
  const meta: DicomDataset = new Map([
    [META.version, el.binary('OB', new Uint8Array([0, 1]))],
    [META.sopClassUid, el.text('UI', info.sopClassUid)],
    [META.sopInstanceUid, el.text('UI', info.sopInstanceUid)],
    [META.transferSyntaxUid, el.text('UI', EXPLICIT_VR_LITTLE_ENDIAN)],
    [META.implementationClassUid, el.text('UI', info.implementationClassUid)],
    [META.implementationVersionName, el.text('SH', info.implementationVersionName)],
  ])
  const metaChunks: Uint8Array[] = []
  const metaLength = encodeElements(meta, metaChunks)
  const groupLength: DicomDataset = new Map([[META.groupLength, el.ul([metaLength])]])
  const chunks: Uint8Array[] = [new Uint8Array(128), new TextEncoder().encode('DICM')]
  let total = 132 + encodeElements(groupLength, chunks)
  chunks.push(...metaChunks)
  total += metaLength
  total += encodeElements(dataset, chunks)
  return concat(chunks, total)
}

class Cursor {
  at: number
  readonly view: DataView
  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.at = start
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  need(n: number, what: string): void {
    if (this.at + n > this.bytes.length)
      throw new DicomFormatError(`${what} at byte ${this.at}: needs ${n} bytes, the data ends after ${this.bytes.length - this.at}`)
  }
  u16(): number {
    const v = this.view.getUint16(this.at, true)
    this.at += 2
    return v
  }
  u32(): number {
    const v = this.view.getUint32(this.at, true)
    this.at += 4
    return v
  }
}

/** Nesting deeper than this is damage or an attack, not a real object. */
const MAX_DEPTH = 16

function readTag(c: Cursor): number {
  c.need(4, 'tag')
  const group = c.u16()
  return tag(group, c.u16())
}

/** Reads elements until `end` (a byte offset) or, with `end` undefined, until an item delimiter. */
function readDataset(c: Cursor, end: number | undefined, depth: number): DicomDataset {
  if (depth > MAX_DEPTH) throw new DicomFormatError(`sequences nested deeper than ${MAX_DEPTH} at byte ${c.at}`)
  const ds: DicomDataset = new Map()
  while (end === undefined ? true : c.at < end) {
    const start = c.at
    const t = readTag(c)
    if (t === TAG_ITEM_END) {
      c.need(4, 'item delimiter length')
      c.u32()
      if (end !== undefined) throw new DicomFormatError(`item delimiter inside a defined-length item at byte ${start}`)
      return ds
    }
    c.need(4, `${formatTag(t)} header`)
    const vr = String.fromCharCode(c.bytes[c.at] as number, c.bytes[c.at + 1] as number)
    if (!/^[A-Z]{2}$/.test(vr)) throw new DicomFormatError(`${formatTag(t)} at byte ${start}: VR "${vr}" is not explicit VR little endian`)
    c.at += 2
    let length: number
    if (LONG_LENGTH_VRS.has(vr)) {
      c.at += 2
      c.need(4, `${formatTag(t)} length`)
      length = c.u32()
    } else length = c.u16()
    if (vr === 'SQ') {
      ds.set(t, { vr: 'SQ', items: readItems(c, length, depth + 1, t) })
      continue
    }
    if (length === UNDEFINED_LENGTH) throw new DicomFormatError(`${formatTag(t)} (${vr}): undefined length (encapsulated data is not read)`)
    c.need(length, `${formatTag(t)} value`)
    ds.set(t, { vr: vr as DicomVr, bytes: c.bytes.subarray(c.at, c.at + length) })
    c.at += length
  }
  if (end !== undefined && c.at !== end) throw new DicomFormatError(`an element overruns its item or file end at byte ${end}`)
  return ds
}

function readItems(c: Cursor, length: number, depth: number, sq: number): DicomDataset[] {
  const items: DicomDataset[] = []
  const end = length === UNDEFINED_LENGTH ? undefined : c.at + length
  if (end !== undefined) c.need(length, `${formatTag(sq)} sequence`)
  while (end === undefined || c.at < end) {
    const at = c.at
    const t = readTag(c)
    c.need(4, 'item length')
    const itemLength = c.u32()
    if (t === TAG_SEQUENCE_END) {
      if (end !== undefined) throw new DicomFormatError(`sequence delimiter inside defined-length ${formatTag(sq)} at byte ${at}`)
      return items
    }
    if (t !== TAG_ITEM) throw new DicomFormatError(`${formatTag(sq)} at byte ${at}: expected an item, found ${formatTag(t)}`)
    if (itemLength === UNDEFINED_LENGTH) items.push(readDataset(c, undefined, depth))
    else {
      c.need(itemLength, `${formatTag(sq)} item`)
      items.push(readDataset(c, c.at + itemLength, depth))
    }
  }
  if (end !== undefined && c.at !== end) throw new DicomFormatError(`${formatTag(sq)}: items overrun the sequence length`)
  return items
}

export interface Part10File {
  meta: DicomDataset
  dataset: DicomDataset
  transferSyntaxUid: string
}

/** Parses a Part 10 file in explicit VR little endian; anything else is a DicomFormatError. */
export function decodePart10(bytes: Uint8Array, name = 'DICOM file'): Part10File {
  try {
    if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM')
      throw new DicomFormatError('no "DICM" after the 128-byte preamble (not a DICOM Part 10 file)')
    const c = new Cursor(bytes, 132)
    // The meta group is always explicit VR little endian; its group length says where it ends.
    const first = readDataset(c, Math.min(bytes.length, 132 + 12), 0)
    const groupLength = first.has(META.groupLength) ? read.number(first, META.groupLength, 'File Meta Group Length') : undefined
    if (groupLength === undefined) throw new DicomFormatError(`${formatTag(META.groupLength)} File Meta Group Length: missing`)
    const metaRest = readDataset(c, c.at + groupLength, 0)
    const meta = new Map([...first, ...metaRest])
    const transferSyntaxUid = read.requiredText(meta, META.transferSyntaxUid, 'Transfer Syntax UID')
    if (transferSyntaxUid !== EXPLICIT_VR_LITTLE_ENDIAN)
      throw new DicomFormatError(
        `transfer syntax ${transferSyntaxUid} is not read (only explicit VR little endian, ${EXPLICIT_VR_LITTLE_ENDIAN})`,
      )
    const dataset = readDataset(c, bytes.length, 0)
    return { meta, dataset, transferSyntaxUid }
  } catch (error) {
    if (error instanceof DicomFormatError) throw new DicomFormatError(`${name}: ${error.message}`, { cause: error })
    if (error instanceof RangeError) throw new DicomFormatError(`${name}: truncated (${error.message})`, { cause: error })
    throw error
  }
}
