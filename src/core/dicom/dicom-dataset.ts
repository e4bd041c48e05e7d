/**
 * A DICOM data set as our encoder writes it and our parser reads it back: elements keyed by tag,
 * each with its VR and either raw value bytes or sequence items. Only what the General Audio
 * Waveform object needs (strings, binary numbers, OB/OW/OF, sequences); no data dictionary —
 * every element we write or read names its VR itself (explicit VR little endian).
 */
import { FormatError } from '../errors'

/** A Part 10 file or data set that does not follow the standard (or uses what we do not read). */
export class DicomFormatError extends FormatError {}

export type DicomVr =
  | 'AE'
  | 'AS'
  | 'CS'
  | 'DA'
  | 'DS'
  | 'DT'
  | 'FD'
  | 'FL'
  | 'IS'
  | 'LO'
  | 'LT'
  | 'OB'
  | 'OD'
  | 'OF'
  | 'OL'
  | 'OW'
  | 'PN'
  | 'SH'
  | 'SL'
  | 'SQ'
  | 'SS'
  | 'ST'
  | 'TM'
  | 'UC'
  | 'UI'
  | 'UL'
  | 'UN'
  | 'UR'
  | 'US'
  | 'UT'

/** VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2). */
export const LONG_LENGTH_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV'])

/** Text VRs: value is characters, multi-values separated by a backslash (except LT, ST, UT, UR). */
export const STRING_VRS: ReadonlySet<string> = new Set([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
])

/** Maximum characters per value (PS3.5 Table 6.2-1), for the VRs whose values we truncate. */
export const MAX_CHARS: Readonly<Partial<Record<DicomVr, number>>> = {
  AE: 16,
  CS: 16,
  DS: 16,
  IS: 12,
  LO: 64,
  LT: 10240,
  PN: 64,
  SH: 16,
  ST: 1024,
  UI: 64,
}

export interface DicomElement {
  vr: DicomVr
  /** Raw value bytes, exactly as in the file without padding removed (absent for SQ). */
  bytes?: Uint8Array
  /** Items of a sequence (SQ only). */
  items?: DicomDataset[]
}

/** Elements keyed by tag, `(group << 16 | element) >>> 0`. */
export type DicomDataset = Map<number, DicomElement>

export function tag(group: number, element: number): number {
  return ((group << 16) | element) >>> 0
}

export function formatTag(t: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0')
  return `(${hex(t >>> 16)},${hex(t & 0xffff)})`
}

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: false })

/** Text value(s) of a string VR, trailing padding (space or NUL) removed from each value. */
export function stringValues(element: DicomElement | undefined): string[] {
  if (element?.bytes === undefined || element.bytes.length === 0) return []
  const text = utf8Decoder.decode(element.bytes)
  const single = element.vr === 'LT' || element.vr === 'ST' || element.vr === 'UT' || element.vr === 'UR'
  const values = single ? [text] : text.split('\\')
  // Trailing padding never counts; leading spaces count only in the free-text VRs (PS3.5 6.2).
  return values.map((v) => (single ? v.replace(/[\0 ]+$/, '') : v.replace(/[\0 ]+$/, '').replace(/^ +/, '')))
}

/** Builders for the elements we write. */
export const el = {
  text(vr: DicomVr, value: string | readonly string[]): DicomElement {
    const values = typeof value === 'string' ? [value] : value
    const max = MAX_CHARS[vr]
    const clipped = max === undefined ? values : values.map((v) => [...v].slice(0, max).join(''))
    return { vr, bytes: utf8.encode(clipped.join('\\')) }
  },
  us(values: readonly number[]): DicomElement {
    const bytes = new Uint8Array(values.length * 2)
    const view = new DataView(bytes.buffer)
    values.forEach((v, i) => view.setUint16(i * 2, v, true))
    return { vr: 'US', bytes }
  },
  ul(values: readonly number[]): DicomElement {
    const bytes = new Uint8Array(values.length * 4)
    const view = new DataView(bytes.buffer)
    values.forEach((v, i) => view.setUint32(i * 4, v, true))
    return { vr: 'UL', bytes }
  },
  binary(vr: 'OB' | 'OW' | 'OF' | 'UN', bytes: Uint8Array): DicomElement {
    return { vr, bytes }
  },
  sequence(items: DicomDataset[]): DicomElement {
    return { vr: 'SQ', items }
  },
}

/** The binary number VRs: their size and how to read the first value (little endian). */
const BINARY_NUMBERS: Readonly<Record<string, { size: number; read(view: DataView): number }>> = {
  US: { size: 2, read: (view) => view.getUint16(0, true) },
  SS: { size: 2, read: (view) => view.getInt16(0, true) },
  UL: { size: 4, read: (view) => view.getUint32(0, true) },
  SL: { size: 4, read: (view) => view.getInt32(0, true) },
  FL: { size: 4, read: (view) => view.getFloat32(0, true) },
  FD: { size: 8, read: (view) => view.getFloat64(0, true) },
}

/** Reading helpers that name the missing or malformed element. */
export const read = {
  text(ds: DicomDataset, t: number): string | undefined {
    return stringValues(ds.get(t))[0]
  },
  texts(ds: DicomDataset, t: number): string[] {
    return stringValues(ds.get(t))
  },
  requiredText(ds: DicomDataset, t: number, what: string): string {
    const value = read.text(ds, t)
    if (value === undefined || value === '') throw new DicomFormatError(`${formatTag(t)} ${what}: missing`)
    return value
  },
  number(ds: DicomDataset, t: number, what: string): number {
    const element = ds.get(t)
    if (element?.bytes === undefined) throw new DicomFormatError(`${formatTag(t)} ${what}: missing`)
    if (element.vr === 'DS' || element.vr === 'IS') {
      const text = stringValues(element)[0] ?? ''
      const value = Number(text)
      if (text === '' || !Number.isFinite(value))
        throw new DicomFormatError(`${formatTag(t)} ${what}: ${JSON.stringify(text)} is not a number`)
      return value
    }
    const binary = BINARY_NUMBERS[element.vr]
    if (!binary) throw new DicomFormatError(`${formatTag(t)} ${what}: VR ${element.vr} is not a number`)
    if (element.bytes.length < binary.size)
      throw new DicomFormatError(`${formatTag(t)} ${what}: ${element.bytes.length} bytes for a ${element.vr}`)
    return binary.read(new DataView(element.bytes.buffer, element.bytes.byteOffset, element.bytes.byteLength))
  },
  items(ds: DicomDataset, t: number): DicomDataset[] {
    return ds.get(t)?.items ?? []
  },
  bytes(ds: DicomDataset, t: number): Uint8Array | undefined {
    return ds.get(t)?.bytes
  },
}

/**
 * A decimal string value (DS: at most 16 characters): the shortest exact form where it fits, else
 * the most significant digits that do.
 */
export function formatDs(value: number): string {
  if (!Number.isFinite(value)) throw new DicomFormatError(`DS: ${value} is not a finite number`)
  const exact = String(value)
  if (exact.length <= 16) return exact
  for (let digits = 15; digits >= 1; digits--) {
    const text = value
      .toPrecision(digits)
      .replace(/(\.\d*?)0+(e|$)/, '$1$2')
      .replace(/\.(e|$)/, '$1')
    if (text.length <= 16) return text
  }
  throw new DicomFormatError(`DS: ${value} does not fit 16 characters`)
}
