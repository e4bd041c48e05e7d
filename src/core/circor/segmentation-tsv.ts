/**
 * CirCor segmentation files (`<recording>.tsv`): one row per heart-cycle state,
 * `start_s <tab> end_s <tab> label`, label 0 = unannotated, 1 = S1, 2 = systole, 3 = S2,
 * 4 = diastole.
 *
 * The rules mirror `models/training/protocol.py` line for line (docs/hr-protocol.md: both languages must
 * give identical windows), so the quirks below are deliberate:
 * - columns are split on any run of whitespace, blank lines are skipped;
 * - a malformed row (not 3 columns, a non-number, a label that is not an integer 0–4 such as the
 *   28 in `50782_MV_1.tsv`, end < start) is reported in `problems` and kept as a label-0 row so it
 *   still breaks an annotated run; it is placed at its own start when that column is a number,
 *   otherwise at the start of the previous readable row (−∞ before any), i.e. where it appears;
 * - rows are sorted by start with a stable sort, so equal starts keep file order.
 * Content never throws: a real annotation file with one bad row must still give its windows.
 */
import { InvalidArgumentError } from '../errors'

/** 0 = unannotated, 1 = S1, 2 = systole, 3 = S2, 4 = diastole. */
export type SegmentLabel = 0 | 1 | 2 | 3 | 4

export interface SegmentRow {
  readonly startS: number
  readonly endS: number
  readonly label: SegmentLabel
  /** 1-based line in the file, for messages. */
  readonly line: number
}

export interface SegmentationProblem {
  readonly line: number
  readonly text: string
  readonly reason: string
}

export interface Segmentation {
  /** Every non-blank row, sorted by start; malformed rows appear as label 0. */
  readonly rows: readonly SegmentRow[]
  readonly problems: readonly SegmentationProblem[]
}

/**
 * Tolerance of every time comparison in the protocol (seconds). The `.tsv` times have at most
 * 6 decimals, so 1e-9 s only absorbs binary rounding (e.g. 9.0625 + 5·1.0 computed vs written) and
 * never merges two distinct annotated times. Same value as protocol.py's EPS.
 */
export const TIME_EPSILON_S = 1e-9

// Python's str.splitlines() boundaries, so line numbers agree with protocol.py.
// eslint-disable-next-line no-control-regex -- the file separators are part of that set
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function parseNumber(text: string | undefined): number | null {
  if (text === undefined || !NUMBER.test(text)) return null
  const value = Number(text)
  return Number.isFinite(value) ? value : null
}

function decodeText(input: string | Uint8Array, sourceName: string): string {
  if (typeof input === 'string') return input
  if (input instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: false }).decode(input)
  throw new InvalidArgumentError(`${sourceName}: segmentation must be text or bytes, got ${typeof input}`)
}

/** Parses a CirCor `.tsv`; `sourceName` names the file in problem reasons and errors. */
export function parseSegmentationTsv(input: string | Uint8Array, sourceName = '<tsv>'): Segmentation {
  const text = decodeText(input, sourceName)
  const rows: SegmentRow[] = []
  const problems: SegmentationProblem[] = []
  let lastStartS = Number.NEGATIVE_INFINITY
  const lines = text.split(LINE_BREAK)
  // A trailing line break does not open a further line (as in Python).
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  lines.forEach((raw, index) => {
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === '') return
    const columns = trimmed.split(/\s+/)
    const startS = parseNumber(columns[0])
    let reason: string | null = null
    let endS: number | null = null
    let label: number | null = null
    if (columns.length !== 3) {
      reason = `${columns.length} columns (expected 3: start_s end_s label)`
    } else {
      endS = parseNumber(columns[1])
      label = parseNumber(columns[2])
      if (startS === null) reason = `start_s '${columns[0]}' is not a number`
      else if (endS === null) reason = `end_s '${columns[1]}' is not a number`
      else if (label === null) reason = `label '${columns[2]}' is not a number`
      else if (!Number.isInteger(label) || label < 0 || label > 4) reason = `label ${columns[2]} outside 0–4`
      else if (endS < startS - TIME_EPSILON_S) reason = `end_s ${columns[1]} < start_s ${columns[0]}`
    }
    if (reason !== null) {
      problems.push({ line, text: raw, reason: `${sourceName}:${line}: ${reason}` })
      const keyS = startS ?? lastStartS
      rows.push({ startS: keyS, endS: keyS, label: 0, line })
    } else {
      rows.push({ startS: startS as number, endS: endS as number, label: label as SegmentLabel, line })
    }
    if (startS !== null) lastStartS = startS
  })
  // Array.prototype.sort is stable (ES2019), like Python's sort.
  rows.sort((a, b) => a.startS - b.startS)
  return { rows, problems }
}
