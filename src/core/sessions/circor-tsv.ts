/**
 * Import and export of annotation spans in CirCor's segmentation format: tab-separated
 * `start_s end_s label` rows, label 0 = unannotated, 1 = S1, 2 = systole, 3 = S2, 4 = diastole.
 *
 * CirCor has labels for those four span kinds only. Markers and spans of kind murmur, noise or
 * custom have no CirCor label: they stay in the session's annotations.json and are *not* written
 * to the .tsv (the export result counts them in `omitted` so the UI can say so).
 */
import { type Annotation, type AnnotationDoc, type Span, type SpanKind } from './annotations'

/** CirCor label of each span kind that has one. */
export const CIRCOR_LABELS: Readonly<Partial<Record<SpanKind, number>>> = { S1: 1, systole: 2, S2: 3, diastole: 4 }
export const CIRCOR_SPAN_KINDS: readonly SpanKind[] = ['S1', 'systole', 'S2', 'diastole']
const KIND_OF_LABEL: Readonly<Record<number, SpanKind>> = { 1: 'S1', 2: 'systole', 3: 'S2', 4: 'diastole' }

export interface CircorTsvImport {
  spans: Span[]
  /** Rows with label 0 (unannotated stretches): counted, not turned into spans. */
  unannotatedRows: number
  /** Malformed rows, reported and skipped, e.g. "50782_MV_1.tsv:12: label 28 outside 0–4". */
  warnings: string[]
}

/**
 * Parses a CirCor .tsv into spans with ids `${idPrefix}1…`. Malformed rows (wrong column count,
 * non-numeric, label outside 0–4, end < start) are reported and skipped, as docs/hr-protocol.md requires.
 */
export function importCircorTsv(text: string, file: string, idPrefix = 'c'): CircorTsvImport {
  const spans: Span[] = []
  const warnings: string[] = []
  let unannotatedRows = 0
  const lines = text.split(/\r?\n/)
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    const where = `${file}:${i + 1}`
    const cols = line.split('\t')
    if (cols.length !== 3) {
      warnings.push(`${where}: expected 3 tab-separated columns, found ${cols.length}`)
      return
    }
    const [startText, endText, labelText] = cols as [string, string, string]
    const startS = Number(startText)
    const endS = Number(endText)
    const label = Number(labelText)
    if (startText.trim() === '' || !Number.isFinite(startS) || startS < 0) {
      warnings.push(`${where}: start "${startText}" is not a time ≥ 0`)
      return
    }
    if (endText.trim() === '' || !Number.isFinite(endS)) {
      warnings.push(`${where}: end "${endText}" is not a number`)
      return
    }
    if (endS < startS) {
      warnings.push(`${where}: end ${endS} < start ${startS}`)
      return
    }
    if (!Number.isInteger(label) || label < 0 || label > 4 || labelText.trim() === '') {
      warnings.push(`${where}: label "${labelText}" outside 0–4`)
      return
    }
    if (label === 0) {
      unannotatedRows++
      return
    }
    const spanKind = KIND_OF_LABEL[label] as SpanKind
    spans.push({ kind: 'span', id: `${idPrefix}${spans.length + 1}`, spanKind, startS, endS, label: spanKind, note: '' })
  })
  return { spans, unannotatedRows, warnings }
}

export interface CircorTsvExport {
  text: string
  /** Rows with labels 1–4 written. */
  rows: number
  /** Annotations not representable in CirCor's format (markers, murmur/noise/custom spans). */
  omitted: number
}

/**
 * Gaps up to this long between spans are not written as label-0 rows: docs/hr-protocol.md joins rows whose
 * gap is ≤ 10 ms into one annotated run, and a label-0 row would split that run.
 */
export const MAX_JOINED_GAP_S = 0.01

/** Same number style as the release (at most 6 decimals, no trailing zeros): "9.0625", "16.54035". */
function formatTime(seconds: number): string {
  return String(Number(seconds.toFixed(6)))
}

/**
 * Writes S1/systole/S2/diastole spans as CirCor rows in start order. Stretches not covered by any
 * span for more than 10 ms become label-0 rows, from 0 s and (when `durationS` is given) up to the
 * end of the audio, as in the release files, so a protocol reader sees the same annotated runs.
 */
export function exportCircorTsv(doc: AnnotationDoc, durationS?: number): CircorTsvExport {
  const exportable = doc.items.filter((a): a is Span => a.kind === 'span' && CIRCOR_LABELS[a.spanKind] !== undefined)
  const omitted = doc.items.length - exportable.length
  const sorted = [...exportable].sort((a, b) => a.startS - b.startS || a.endS - b.endS)
  const rows: string[] = []
  let coveredUntilS = 0
  for (const span of sorted) {
    if (span.startS - coveredUntilS > MAX_JOINED_GAP_S) rows.push(`${formatTime(coveredUntilS)}\t${formatTime(span.startS)}\t0`)
    rows.push(`${formatTime(span.startS)}\t${formatTime(span.endS)}\t${CIRCOR_LABELS[span.spanKind] as number}`)
    coveredUntilS = Math.max(coveredUntilS, span.endS)
  }
  if (durationS !== undefined && durationS - coveredUntilS > MAX_JOINED_GAP_S) {
    rows.push(`${formatTime(coveredUntilS)}\t${formatTime(durationS)}\t0`)
  }
  return { text: rows.map((r) => `${r}\n`).join(''), rows: sorted.length, omitted }
}

/** Type guard export used by callers that filter CirCor-representable items. */
export function isCircorSpan(a: Annotation): a is Span {
  return a.kind === 'span' && CIRCOR_LABELS[a.spanKind] !== undefined
}
