/**
 * Every annotation of a session as an Audacity label track (File → Import → Labels; also read by
 * Sonic Visualiser, Praat scripts and ELAN): one line per annotation, `start<TAB>end<TAB>text`,
 * times in seconds. A marker is a point label (start = end), a span a region label.
 *
 * The text carries what Audacity has no column for, so that our session → labels → our session
 * loses nothing but the ids:
 *   - `label` alone when the span's kind is the one its label implies (spanKindForLabel), else
 *     `<kind>: <label>` (e.g. `murmur: grade 2/6`); a label that itself looks like `<kind>: …` is
 *     always written with its kind (`marker: …` for a marker), so it cannot be misread;
 *   - a note after ` # ` (`S1 # split?`);
 *   - `\` escapes: `\\`, `\n`, `\r`, `\t` (a label track is one line per label, tab-separated)
 *     and `\#` for a `#` inside the label.
 * Audacity's spectral-selection lines (starting with `\`) are skipped on import.
 * A point label from another tool is a marker; our zero-length spans are written with their kind.
 */
import { SPAN_KINDS, spanKindForLabel, type Annotation, type AnnotationDoc, type SpanKind } from './annotations'

export interface AudacityImport {
  /** Ids `${idPrefix}1…`, in the file's order. */
  items: Annotation[]
  /** Malformed lines, reported and skipped, e.g. "labels.txt:3: end 1.2 < start 2". */
  warnings: string[]
}

const KIND_PREFIX = new RegExp(`^(marker|${SPAN_KINDS.join('|')}): `)

function escapeText(text: string, extra: RegExp | null): string {
  let out = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
  if (extra) out = out.replace(extra, (c) => `\\${c}`)
  return out
}

/** Seconds as Audacity writes them (6 decimals), which is also the round trip's precision. */
function formatTime(seconds: number): string {
  return seconds.toFixed(6)
}

function labelText(a: Annotation): string {
  let label = a.label
  const ambiguous = KIND_PREFIX.test(a.label)
  // A zero-length span keeps its kind written out, or it would read back as a marker.
  const spanNeedsKind = a.kind === 'span' && (spanKindForLabel(a.label) !== a.spanKind || ambiguous || a.endS === a.startS)
  if (a.kind === 'span' && spanNeedsKind) label = `${a.spanKind}: ${a.label}`
  else if (a.kind === 'marker' && ambiguous) label = `marker: ${a.label}`
  const text = escapeText(label, /#/g)
  return a.note === '' ? text : `${text} # ${escapeText(a.note, null)}`
}

export function formatAudacityLabels(doc: AnnotationDoc): string {
  return doc.items
    .map((a) => {
      const start = a.kind === 'marker' ? a.timeS : a.startS
      const end = a.kind === 'marker' ? a.timeS : a.endS
      return `${formatTime(start)}\t${formatTime(end)}\t${labelText(a)}\n`
    })
    .join('')
}

/** Undoes escapeText; `stopAtHash` ends the label at the first unescaped `#`. Returns the text and where it stopped. */
function unescapeText(text: string, from: number, stopAtHash: boolean): { text: string; end: number } {
  let out = ''
  let i = from
  while (i < text.length) {
    const c = text[i] as string
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string
      out += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next
      i += 2
      continue
    }
    if (stopAtHash && c === '#') break
    out += c
    i++
  }
  return { text: out, end: i }
}

function parseText(raw: string): { label: string; note: string; kind: SpanKind | 'marker' | null } {
  const head = unescapeText(raw, 0, true)
  let label = head.text
  let note = ''
  if (head.end < raw.length) {
    // ` # note`: the space before the # belongs to the separator.
    if (label.endsWith(' ')) label = label.slice(0, -1)
    note = unescapeText(raw, head.end + 1, false).text.replace(/^ /, '')
  }
  const prefixed = /^(marker|[A-Za-z0-9]+): ([\s\S]*)$/.exec(label)
  if (prefixed && (prefixed[1] === 'marker' || (SPAN_KINDS as readonly string[]).includes(prefixed[1] as string))) {
    return { label: prefixed[2] as string, note, kind: prefixed[1] as SpanKind | 'marker' }
  }
  return { label, note, kind: null }
}

export function parseAudacityLabels(text: string, file: string, idPrefix = 'l'): AudacityImport {
  const items: Annotation[] = []
  const warnings: string[] = []
  text.split(/\n/).forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '')
    if (line.trim() === '' || line.startsWith('\\')) return
    const where = `${file}:${i + 1}`
    const cols = line.split('\t')
    if (cols.length < 2) {
      warnings.push(`${where}: expected start<TAB>end<TAB>label, found ${cols.length} column(s)`)
      return
    }
    const startS = Number(cols[0])
    const endS = Number(cols[1])
    if ((cols[0] as string).trim() === '' || !Number.isFinite(startS) || startS < 0) {
      warnings.push(`${where}: start "${cols[0]}" is not a time ≥ 0`)
      return
    }
    if ((cols[1] as string).trim() === '' || !Number.isFinite(endS) || endS < startS) {
      warnings.push(`${where}: end "${cols[1]}" is not a time ≥ start ${startS}`)
      return
    }
    const parsed = parseText(cols.slice(2).join('\t'))
    if (parsed.label.length > 256) {
      warnings.push(`${where}: label longer than 256 characters, cut`)
      parsed.label = parsed.label.slice(0, 256)
    }
    const id = `${idPrefix}${items.length + 1}`
    if (endS === startS && (parsed.kind === null || parsed.kind === 'marker')) {
      items.push({ kind: 'marker', id, timeS: startS, label: parsed.label, note: parsed.note })
    } else {
      const spanKind = parsed.kind === null || parsed.kind === 'marker' ? spanKindForLabel(parsed.label) : parsed.kind
      items.push({ kind: 'span', id, spanKind, startS, endS, label: parsed.label, note: parsed.note })
    }
  })
  return { items, warnings }
}
