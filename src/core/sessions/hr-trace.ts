/**
 * The HR trace of a session: one window event per line in hr-trace.jsonl (append-only, so a crash
 * can at worst tear the last line), plus its CSV export and summary.
 */
import { z } from 'zod'
import type { HrSummary } from './session-schema'
import { CorruptSessionError } from './session-errors'
import { describeIssue } from '../zod-issue'

export interface HrLayerEstimate {
  index: number
  hrBpm: number
  confidence: number
}

/** One inference window as the monitor engine reports it; `timeS` is the window end in the recording. */
export interface HrTraceEntry {
  timeS: number
  hrBpm: number | null
  confidence: number
  layers: HrLayerEstimate[]
  classicalHrBpm: number | null
  classicalQuality: number
  /** S1 and S2 onsets the monitor detected in this window, in recording seconds (absent in older traces). */
  s1OnsetsS?: number[]
  s2OnsetsS?: number[]
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number')

export const hrTraceEntrySchema = z.object({
  timeS: finite.refine((v) => v >= 0, 'must be ≥ 0'),
  hrBpm: finite.nullable(),
  confidence: finite,
  layers: z.array(z.object({ index: z.number().int().nonnegative(), hrBpm: finite, confidence: finite })),
  classicalHrBpm: finite.nullable(),
  classicalQuality: finite,
  s1OnsetsS: z.array(finite).optional(),
  s2OnsetsS: z.array(finite).optional(),
})

export function formatHrTraceLine(entry: HrTraceEntry): string {
  return `${JSON.stringify(entry)}\n`
}

export interface ParsedHrTrace {
  entries: HrTraceEntry[]
  /** Lines that could not be used, e.g. "hr-trace.jsonl:57: torn last line (crash while writing)". */
  warnings: string[]
}

/**
 * Parses hr-trace.jsonl. A bad *last* line without a trailing newline is the signature of a crash
 * mid-append and is dropped with a warning; a bad line anywhere else means the file was edited and
 * is an error naming the line, because silently skipping it would hide data loss.
 */
export function parseHrTrace(text: string, file: string): ParsedHrTrace {
  const entries: HrTraceEntry[] = []
  const warnings: string[] = []
  const lines = text.split('\n')
  const endsWithNewline = text.endsWith('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.trim() === '') continue
    const isTornCandidate = i === lines.length - 1 && !endsWithNewline
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      if (isTornCandidate) {
        warnings.push(`${file}:${i + 1}: torn last line dropped (${line.length} bytes; crash while writing?)`)
        continue
      }
      throw new CorruptSessionError(`${file}:${i + 1}`, undefined, `not valid JSON (${(err as Error).message})`)
    }
    const result = hrTraceEntrySchema.safeParse(value)
    if (!result.success) {
      if (isTornCandidate) {
        warnings.push(`${file}:${i + 1}: torn last line dropped (${line.length} bytes; crash while writing?)`)
        continue
      }
      const { field, detail } = describeIssue(result.error, value)
      throw new CorruptSessionError(`${file}:${i + 1}`, field, detail)
    }
    entries.push(result.data)
  }
  return { entries, warnings }
}

/** Summary over windows that produced an HR; null when none did (e.g. a silent recording). */
export function summariseHrTrace(entries: readonly HrTraceEntry[]): HrSummary | null {
  const rates = entries.map((e) => e.hrBpm).filter((hr): hr is number => hr !== null && hr > 0)
  if (rates.length === 0) return null
  let sum = 0
  for (const hr of rates) sum += hr
  return {
    windows: rates.length,
    minBpm: Math.min(...rates),
    maxBpm: Math.max(...rates),
    meanBpm: sum / rates.length,
  }
}

function csvNumber(value: number | null, digits: number): string {
  return value === null ? '' : value.toFixed(digits)
}

/**
 * hr.csv for spreadsheets: one row per window; the layer columns are the union of the layer
 * indices present, so every row has the same columns (empty where a layer was missing).
 */
export function formatHrCsv(entries: readonly HrTraceEntry[]): string {
  const layerIndices = [...new Set(entries.flatMap((e) => e.layers.map((l) => l.index)))].sort((a, b) => a - b)
  const header = [
    'time_s',
    'hr_bpm',
    'confidence',
    'classical_hr_bpm',
    'classical_quality',
    ...layerIndices.flatMap((i) => [`layer${i}_hr_bpm`, `layer${i}_confidence`]),
  ]
  const rows = entries.map((e) => {
    const byIndex = new Map(e.layers.map((l) => [l.index, l]))
    return [
      e.timeS.toFixed(3),
      csvNumber(e.hrBpm, 2),
      e.confidence.toFixed(4),
      csvNumber(e.classicalHrBpm, 2),
      e.classicalQuality.toFixed(4),
      ...layerIndices.flatMap((i) => {
        const layer = byIndex.get(i)
        return layer === undefined ? ['', ''] : [layer.hrBpm.toFixed(2), layer.confidence.toFixed(4)]
      }),
    ].join(',')
  })
  return `${[header.join(','), ...rows].join('\n')}\n`
}
