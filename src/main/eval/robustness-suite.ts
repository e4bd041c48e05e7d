/**
 * Runs a robustness suite made by `models/training/robustness.py` (slowed and quickened hearts,
 * other stethoscopes and sample rates, noise at 20/10/0 dB, recordings with no heart sound, lifted
 * chestpieces; docs in models/README.md) through the display decision, condition by condition.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { FormatError } from '../../core/errors'
import { parseJsonWith } from '../../core/zod-issue'
import type { EncoderModel } from '../model/encoder-model'
import { collectFolderStreams, scoreDecisions, type CollectedStream, type StreamScores } from './stream-collect'

export class RobustnessSuiteError extends FormatError {}

const conditionSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    group: z.string(),
    kind: z.enum(['heart', 'no-heart', 'lifted']),
    description: z.string(),
    sampleRateHz: z.number().positive(),
  })
  .loose()

const manifestSchema = z
  .object({
    suite: z.literal('ausculta-robustness'),
    variant: z.string(),
    split: z.string(),
    attribution: z.string(),
    complete: z.boolean().optional(),
    conditions: z.array(conditionSchema).min(1),
  })
  .loose()

export type RobustnessManifest = z.infer<typeof manifestSchema>
export type RobustnessCondition = z.infer<typeof conditionSchema>

export function readRobustnessManifest(suiteDir: string): RobustnessManifest {
  const path = join(suiteDir, 'manifest.json')
  if (!existsSync(path))
    throw new RobustnessSuiteError(
      `${suiteDir}: no manifest.json (make the suite with: /usr/bin/python3 -m models.training.robustness --help)`,
    )
  const manifest = parseJsonWith(manifestSchema, readFileSync(path, 'utf8'), ({ summary }) => {
    throw new RobustnessSuiteError(`${path}: ${summary}`)
  })
  if (manifest.complete === false)
    throw new RobustnessSuiteError(`${path}: the suite is incomplete (its generation did not finish): generate it again`)
  return manifest
}

export interface ConditionResult {
  condition: RobustnessCondition
  scores: StreamScores
}

export interface SuiteRun {
  manifest: RobustnessManifest
  results: ConditionResult[]
  /** Kept for re-deciding under other settings (the calibration). */
  streams: Map<string, CollectedStream[]>
  skipped: string[]
}

export async function runRobustnessSuite(
  suiteDir: string,
  model: EncoderModel | null,
  onCondition?: (done: number, total: number, id: string) => void,
): Promise<SuiteRun> {
  const manifest = readRobustnessManifest(suiteDir)
  const results: ConditionResult[] = []
  const streams = new Map<string, CollectedStream[]>()
  const skipped: string[] = []
  for (const [index, condition] of manifest.conditions.entries()) {
    const collected = await collectFolderStreams(join(suiteDir, condition.id), { model, kind: condition.kind })
    skipped.push(...collected.skipped.map((skip) => `${condition.id}: ${skip.path}: ${skip.reason}`))
    streams.set(condition.id, collected.streams)
    results.push({ condition, scores: scoreDecisions(collected.streams.flatMap((stream) => stream.windows)) })
    onCondition?.(index + 1, manifest.conditions.length, condition.id)
  }
  return { manifest, results, streams, skipped }
}

const pct = (share: number): string => (Number.isFinite(share) ? `${(100 * share).toFixed(1)} %` : '–')
const num = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')

/**
 * One row per condition: labelled windows (answered, MAE of the shown HR, shown off by > 5 and > 10 bpm, the production
 * head's MAE) and no-heart windows (HR shown).
 */
export function robustnessRows(results: readonly ConditionResult[]): string[][] {
  return results.map(({ condition, scores: s }) => [
    condition.id,
    condition.kind,
    s.labelledWindows > 0 ? `${s.labelledWindows}` : '–',
    s.labelledWindows > 0 ? pct(s.answeredShare) : '–',
    s.answered > 0 ? num(s.maeBpm) : '–',
    s.answered > 0 ? `${s.off5} (${pct(s.off5 / s.answered)})` : '–',
    s.answered > 0 ? `${s.off10}` : '–',
    s.labelledWindows > 0 ? num(s.productionMaeBpm) : '–',
    s.noHeartWindows > 0 ? `${s.noHeartShown} / ${s.noHeartWindows} (${pct(s.noHeartShownShare)})` : '–',
  ])
}

export const ROBUSTNESS_HEADERS = [
  'condition',
  'kind',
  'labelled windows',
  'answered',
  'shown MAE bpm',
  'shown off > 5',
  'off > 10',
  'production MAE',
  'no-heart windows with an HR',
]

export function formatRobustnessMarkdown(run: SuiteRun, title: string): string {
  const rows = robustnessRows(run.results)
  const byGroup = new Map<string, ConditionResult[]>()
  for (const result of run.results) byGroup.set(result.condition.group, [...(byGroup.get(result.condition.group) ?? []), result])
  const groupRows = [...byGroup.entries()].map(([group, results]) => {
    const s = scoreDecisions(results.flatMap((r) => run.streams.get(r.condition.id)?.flatMap((stream) => stream.windows) ?? []))
    return robustnessRows([
      { condition: { id: `${group} (all)`, group, kind: results[0]!.condition.kind, description: '', sampleRateHz: 0 }, scores: s },
    ])[0] as string[]
  })
  const table = (r: string[][]): string =>
    [
      `| ${ROBUSTNESS_HEADERS.join(' | ')} |`,
      `|${ROBUSTNESS_HEADERS.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
      ...r.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n')
  return [
    `## ${title}`,
    '',
    `Suite: ${run.manifest.variant} variant, ${run.manifest.split} patients, ${run.results.length} conditions. ${run.manifest.attribution}`,
    '',
    table(groupRows),
    '',
    '<details><summary>Every condition</summary>',
    '',
    table(rows),
    '',
    '</details>',
    ...(run.skipped.length > 0 ? ['', `Skipped: ${run.skipped.length} (first: ${run.skipped[0]})`] : []),
    '',
  ].join('\n')
}
