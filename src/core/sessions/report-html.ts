/**
 * One-page session report as a self-contained HTML file: inline CSS and inline SVG (PCG overview
 * with the annotation spans, HR trend), no scripts, no external URLs — the app is offline and the
 * report must open anywhere, print on one page and survive a security scan for http(s) links.
 * (Inline SVG in HTML needs no xmlns attribute, which would otherwise be an http URL.)
 */
import type { AnnotationDoc, SpanKind } from './annotations'
import type { HrTraceEntry } from './hr-trace'
import type { SessionBeats } from './session-beats'
import type { SessionMeta } from './session-schema'

export interface ReportInput {
  meta: SessionMeta
  samples: Float32Array
  sampleRateHz: number
  trace: readonly HrTraceEntry[]
  annotations: AnnotationDoc
  /** Extra lines printed at the foot, e.g. the CirCor ODC-By attribution for derived audio. */
  footnotes?: readonly string[]
  /** Detected S1/S2 (session-beats.ts): ticks on the PCG; its HR stands in for an empty trace (an imported WAV). */
  beats?: SessionBeats
}

const WIDTH_PX = 960
/** Heights chosen so header, the plots (with the 8-s detail), 10 table rows and notes fit one A4 landscape page (tested by printing). */
const PCG_HEIGHT_PX = 100
const AXIS_HEIGHT_PX = 14
const HR_HEIGHT_PX = 72
/** Rows of the annotation table (markers and murmur/noise/custom spans; the S1/S2/systole/diastole segmentation is counted instead). */
const MAX_TABLE_ROWS = 10
/** Span kinds of the routine segmentation: drawn, counted, not listed row by row. */
const SEGMENTATION_KINDS: readonly SpanKind[] = ['S1', 'systole', 'S2', 'diastole']

const SPAN_COLOURS: Readonly<Record<SpanKind, string>> = {
  S1: '#d62728',
  S2: '#1f77b4',
  systole: '#ff9896',
  diastole: '#aec7e8',
  murmur: '#9467bd',
  noise: '#7f7f7f',
  click: '#8c564b',
  S3: '#e377c2',
  S4: '#bcbd22',
  rub: '#17becf',
  custom: '#2ca02c',
}

/** Notes beyond this are cut in the report (kept whole in session.json) so it stays one page. */
const MAX_NOTES_CHARS = 400

function clip(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (continued in session.json)`
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–'
}

/**
 * 99.9th percentile of |sample| (on at most ~100k samples): a single bump of the chestpiece would
 * otherwise set the scale and flatten every heart sound; strokes beyond it are clipped.
 */
function robustPeak(samples: Float32Array): number {
  const step = Math.max(1, Math.floor(samples.length / 100_000))
  const magnitudes = new Float32Array(Math.ceil(samples.length / step))
  for (let i = 0, j = 0; i < samples.length; i += step, j++) magnitudes[j] = Math.abs(samples[i] as number)
  magnitudes.sort()
  return magnitudes[Math.min(magnitudes.length - 1, Math.floor(0.999 * magnitudes.length))] ?? 0
}

/** Min/max envelope per pixel column: the usual waveform overview, exact at any zoom-out. */
function pcgPath(samples: Float32Array, widthPx: number, heightPx: number): string {
  if (samples.length === 0) return ''
  const peak = robustPeak(samples)
  const scale = peak > 0 ? (heightPx / 2 - 2) / peak : 0
  const mid = heightPx / 2
  const parts: string[] = []
  for (let x = 0; x < widthPx; x++) {
    const from = Math.floor((x * samples.length) / widthPx)
    const to = Math.max(from + 1, Math.floor(((x + 1) * samples.length) / widthPx))
    let lo = Infinity
    let hi = -Infinity
    for (let i = from; i < to && i < samples.length; i++) {
      const v = samples[i] as number
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    if (lo === Infinity) continue
    const clipY = (v: number): number => Math.max(1, Math.min(heightPx - 1, mid - v * scale))
    parts.push(`M${x + 0.5} ${fmt(clipY(hi), 1)}V${fmt(clipY(lo), 1)}`)
  }
  return parts.join('')
}

/** S1 (red, top) and S2 (blue, bottom) ticks of the detected onsets between `fromS` and `fromS + durationS`. */
function beatTicks(beats: SessionBeats | undefined, fromS: number, durationS: number, heightPx = PCG_HEIGHT_PX): string {
  if (!beats || durationS <= 0) return ''
  const tick = (t: number, y1: number, y2: number, colour: string, name: string): string => {
    const x = fmt(((t - fromS) / durationS) * WIDTH_PX, 2)
    return `<line class="${name}" x1="${x}" x2="${x}" y1="${y1}" y2="${y2}" stroke="${colour}" stroke-width="2"/>`
  }
  const inside = (t: number): boolean => t >= fromS && t <= fromS + durationS
  return (
    beats.s1OnsetsS
      .filter(inside)
      .map((t) => tick(t, 0, 14, '#d62728', 's1'))
      .join('') +
    beats.s2OnsetsS
      .filter(inside)
      .map((t) => tick(t, heightPx - 14, heightPx, '#1f77b4', 's2'))
      .join('')
  )
}

/** The first seconds at a readable scale, so single beats and their S1/S2 show in a long recording. */
const DETAIL_S = 8
/** Lower than the overview so the page still holds ten table rows. */
const DETAIL_HEIGHT_PX = 70

function detailSvg(input: ReportInput, durationS: number): string {
  if (durationS <= DETAIL_S * 1.5) return ''
  const samples = input.samples.subarray(0, Math.round(DETAIL_S * input.sampleRateHz))
  const height = DETAIL_HEIGHT_PX
  return (
    `<h2>The first ${DETAIL_S} s (S1 red ticks above, S2 blue below)</h2>` +
    `<svg class="pcg-detail" width="${WIDTH_PX}" height="${height}" viewBox="0 0 ${WIDTH_PX} ${height}" role="img" ` +
    `aria-label="PCG detail">${beatTicks(input.beats, 0, DETAIL_S, height)}<path d="${pcgPath(samples, WIDTH_PX, height)}" ` +
    `stroke="#222" stroke-width="1" fill="none"/></svg>`
  )
}

function pcgSvg(input: ReportInput, durationS: number): string {
  const xOf = (t: number): number => (durationS > 0 ? (t / durationS) * WIDTH_PX : 0)
  const spans = input.annotations.items
    .map((a) => {
      if (a.kind === 'span') {
        const x = xOf(a.startS)
        const w = Math.max(0.5, xOf(a.endS) - x)
        return (
          `<rect x="${fmt(x, 2)}" y="0" width="${fmt(w, 2)}" height="${PCG_HEIGHT_PX}" fill="${SPAN_COLOURS[a.spanKind]}" ` +
          `fill-opacity="0.3"><title>${escapeHtml(a.label)} ${fmt(a.startS, 3)}–${fmt(a.endS, 3)} s</title></rect>`
        )
      }
      const x = xOf(a.timeS)
      return (
        `<line x1="${fmt(x, 2)}" x2="${fmt(x, 2)}" y1="0" y2="${PCG_HEIGHT_PX}" stroke="#000" stroke-dasharray="3 ` +
        `2"><title>${escapeHtml(a.label)}</title></line>`
      )
    })
    .join('')
  const height = PCG_HEIGHT_PX + AXIS_HEIGHT_PX
  return (
    `<svg class="pcg" width="${WIDTH_PX}" height="${height}" viewBox="0 0 ${WIDTH_PX} ${height}" role="img" ` +
    `aria-label="PCG overview">${spans}${beatTicks(input.beats, 0, durationS)}` +
    `<path d="${pcgPath(input.samples, WIDTH_PX, PCG_HEIGHT_PX)}" stroke="#222" ` +
    `stroke-width="1" fill="none"/>${timeAxis(durationS)}</svg>`
  )
}

/** Second ticks along the PCG, at a step that gives at most about 20 labels. */
function timeAxis(durationS: number): string {
  if (durationS <= 0) return ''
  const stepS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].find((step) => durationS / step <= 20) ?? 1200
  const ticks: string[] = []
  for (let t = 0; t <= durationS; t += stepS) {
    const x = (t / durationS) * WIDTH_PX
    ticks.push(
      `<line x1="${fmt(x, 1)}" x2="${fmt(x, 1)}" y1="${PCG_HEIGHT_PX}" y2="${PCG_HEIGHT_PX + 4}" stroke="#666"/><text ` +
        `x="${fmt(Math.min(x + 2, WIDTH_PX - 24), 1)}" y="${PCG_HEIGHT_PX + 12}" font-size="9" fill="#666">${t} s</text>`,
    )
  }
  return ticks.join('')
}

function hrSvg(trace: readonly HrTraceEntry[], durationS: number): string {
  const rates = trace.flatMap((e) => [e.hrBpm, e.classicalHrBpm]).filter((v): v is number => v !== null)
  const loBpm = rates.length > 0 ? Math.floor(Math.min(...rates) / 10) * 10 - 10 : 40
  const hiBpm = rates.length > 0 ? Math.ceil(Math.max(...rates) / 10) * 10 + 10 : 180
  const xOf = (t: number): number => (durationS > 0 ? (t / durationS) * WIDTH_PX : 0)
  const yOf = (bpm: number): number => HR_HEIGHT_PX - ((bpm - loBpm) / (hiBpm - loBpm)) * HR_HEIGHT_PX
  const line = (pick: (e: HrTraceEntry) => number | null): string =>
    trace
      .map((e) => ({ t: e.timeS, v: pick(e) }))
      .filter((p): p is { t: number; v: number } => p.v !== null)
      .map((p) => `${fmt(xOf(p.t), 1)},${fmt(yOf(p.v), 1)}`)
      .join(' ')
  const grid: string[] = []
  for (let bpm = Math.ceil(loBpm / 20) * 20; bpm <= hiBpm; bpm += 20) {
    const y = fmt(yOf(bpm), 1)
    grid.push(
      `<line x1="0" x2="${WIDTH_PX}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="2" y="${y}" font-size="10" fill="#666">${bpm}</text>`,
    )
  }
  return (
    `<svg class="hr" width="${WIDTH_PX}" height="${HR_HEIGHT_PX}" viewBox="0 0 ${WIDTH_PX} ${HR_HEIGHT_PX}" role="img" ` +
    `aria-label="HR trend">${grid.join('')}<polyline points="${line((e) => e.classicalHrBpm)}" fill="none" stroke="#999" ` +
    `stroke-dasharray="4 3"/><polyline points="${line((e) => e.hrBpm)}" fill="none" stroke="#d62728" stroke-width="2"/></svg>`
  )
}

function annotationTable(doc: AnnotationDoc): string {
  const counts = new Map<SpanKind, number>()
  for (const a of doc.items)
    if (a.kind === 'span' && SEGMENTATION_KINDS.includes(a.spanKind)) counts.set(a.spanKind, (counts.get(a.spanKind) ?? 0) + 1)
  const segmentation =
    counts.size === 0
      ? ''
      : `<p>Segmentation: ${SEGMENTATION_KINDS.filter((k) => counts.has(k))
          .map((k) => `${counts.get(k)} ${k}`)
          .join(', ')} spans (in annotations.tsv).</p>`
  const listed = doc.items.filter((a) => !(a.kind === 'span' && SEGMENTATION_KINDS.includes(a.spanKind)))
  const rows = listed.slice(0, MAX_TABLE_ROWS).map((a) => {
    const when = a.kind === 'span' ? `${fmt(a.startS, 3)}–${fmt(a.endS, 3)}` : fmt(a.timeS, 3)
    const kind = a.kind === 'span' ? a.spanKind : 'marker'
    return `<tr><td>${when}</td><td>${escapeHtml(kind)}</td><td>${escapeHtml(a.label)}</td><td>${escapeHtml(a.note)}</td></tr>`
  })
  const more = listed.length > MAX_TABLE_ROWS ? `<p>… and ${listed.length - MAX_TABLE_ROWS} more (see annotations.json).</p>` : ''
  if (listed.length === 0) return `${segmentation}<p>No markers or murmur/noise/custom spans.</p>`
  return (
    `${segmentation}<table><thead><tr><th>Time ` +
    `(s)</th><th>Kind</th><th>Label</th><th>Note</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`
  )
}

/** The trace, or for a session without one (an imported WAV) the detected HR drawn as the classical estimator's. */
function traceOrBeats(input: ReportInput): readonly HrTraceEntry[] {
  if (input.trace.length > 0 || !input.beats) return input.trace
  return input.beats.hr.map((p) => ({
    timeS: p.timeS,
    hrBpm: null,
    confidence: 0,
    layers: [],
    classicalHrBpm: p.hrBpm,
    classicalQuality: 0,
  }))
}

export function renderSessionReport(input: ReportInput): string {
  const { meta } = input
  const durationS = input.sampleRateHz > 0 ? input.samples.length / input.sampleRateHz : 0
  const summary = meta.hrSummary
  const hrText = summary
    ? `${fmt(summary.meanBpm)} bpm mean (${fmt(summary.minBpm)}–${fmt(summary.maxBpm)}, ${summary.windows} windows)`
    : 'no HR estimate'
  const location = meta.location === 'other' ? `other${meta.locationDetail ? ` (${meta.locationDetail})` : ''}` : meta.location
  const facts: Array<[string, string]> = [
    ['Patient', [meta.patient.name, meta.patient.id ? `#${meta.patient.id}` : undefined].filter(Boolean).join(' ') || '—'],
    ['Age group / sex', `${meta.patient.ageGroup ?? '—'} / ${meta.patient.sex ?? '—'}`],
    ['Location', location],
    ['Started', meta.startedAt],
    ['Duration', `${fmt(durationS, 1)} s at ${meta.sampleRateHz} Hz`],
    ['Device', meta.device.name],
    ['Model', meta.modelId ?? '—'],
    ['Heart rate', hrText],
    ['Status', meta.status + (meta.repairs.length > 0 ? ` (${meta.repairs.map((r) => r.action).join('; ')})` : '')],
  ]
  const footnotes = (input.footnotes ?? []).map((f) => `<p class="foot">${escapeHtml(f)}</p>`).join('')
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ausculta session ${escapeHtml(meta.id)}</title>
<style>
@page { size: A4 landscape; margin: 8mm; }
body { font: 12px system-ui, sans-serif; margin: 0 auto; width: ${WIDTH_PX}px; color: #111; }
h1 { font-size: 17px; margin: 2px 0; } h2 { font-size: 12px; margin: 6px 0 2px; } p { margin: 2px 0; }
dl { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 12px; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; }
svg { display: block; border: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font-size: 10px; } td, th { border-bottom: 1px solid #eee; text-align: left; ` +
    `padding: 1px 4px; }
.notes { white-space: pre-wrap; } .foot { font-size: 9px; color: #555; }
</style></head><body>
<h1>Auscultation ${escapeHtml(meta.id)}</h1>
<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>Phonocardiogram (${fmt(durationS, 1)} s) with annotation spans</h2>
${pcgSvg(input, durationS)}
${detailSvg(input, durationS)}
<h2>Heart rate (red: model, grey dashed: classical estimator), bpm</h2>
${hrSvg(traceOrBeats(input), durationS)}
<h2>Annotations (${input.annotations.items.length})</h2>
${annotationTable(input.annotations)}
<h2>Notes</h2><p class="notes">${escapeHtml(clip(meta.notes, MAX_NOTES_CHARS) || '—')}</p>
${footnotes}
</body></html>
`
  )
}
