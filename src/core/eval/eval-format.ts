/** Text and Markdown renderings of an evaluation summary (what `ausculta eval` prints and writes). */
import type { HrMetrics } from '../metrics/hr-metrics'
import type { EvalSummary, OnsetSummary } from './eval-summary'

const number = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : '–')

function metricCells(metrics: HrMetrics | null): string[] {
  if (!metrics) return ['–', '–', '–', '–', '0']
  return [number(metrics.maeBpm), number(metrics.medianAbsErrorBpm), percent(metrics.within5BpmShare), number(metrics.rmseBpm), `${metrics.count}${metrics.declinedCount > 0 ? ` (+${metrics.declinedCount} declined)` : ''}`]
}

const METRIC_HEADERS = ['MAE bpm', 'median AE', 'within 5 bpm', 'RMSE', 'windows']

function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}

function markdownTable(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n')
}

interface Tables {
  onsets: [string[], string[][]] | null
  estimators: [string[], string[][]]
  breakdowns: [string[], string[][]]
  confidence: [string[], string[][]]
}

function tables(summary: EvalSummary): Tables {
  const detectors: Array<[string, OnsetSummary]> = []
  if (summary.modelOnsets) detectors.push(['segmentation head', summary.modelOnsets])
  if (summary.onsets) detectors.push(['envelope', summary.onsets])
  return {
    onsets:
      detectors.length > 0
        ? [
            ['detector', 'sound', 'precision', 'recall', 'F1', 'TP', 'FP', 'FN'],
            detectors.flatMap(([name, o]) =>
              (['s1', 's2'] as const).map((k) => [name, k.toUpperCase(), number(o[k].precision, 3), number(o[k].recall, 3), number(o[k].f1, 3), `${o[k].truePositives}`, `${o[k].falsePositives}`, `${o[k].falseNegatives}`]),
            ),
          ]
        : null,
    estimators: [['estimator', ...METRIC_HEADERS], summary.estimators.map((row) => [row.estimator, ...metricCells(row.metrics)])],
    breakdowns: [
      ['group', 'value', 'production MAE', 'production windows', 'classical MAE', 'classical windows'],
      summary.breakdowns.map((row) => [row.group, row.value, number(row.production?.maeBpm ?? Number.NaN), `${row.production?.count ?? 0}`, number(row.classical.maeBpm), `${row.classical.count}`]),
    ],
    confidence: [
      ['estimator', 'most confident', 'min confidence', ...METRIC_HEADERS],
      [
        ...summary.confidence.map((row) => ['production', percent(row.keptShare), number(row.minConfidence, 3), ...metricCells(row.metrics)]),
        ...summary.classicalQuality.map((row) => ['classical', percent(row.keptShare), number(row.minConfidence, 3), ...metricCells(row.metrics)]),
      ],
    ],
  }
}

export function formatEvalText(summary: EvalSummary, title: string): string {
  const t = tables(summary)
  return [
    title,
    `${summary.windows} labelled windows from ${summary.recordings} recordings of ${summary.patients} patients`,
    '',
    textTable(...t.estimators),
    '',
    'By location, age group and murmur status:',
    textTable(...t.breakdowns),
    '',
    'By confidence (the most confident share of windows):',
    textTable(...t.confidence),
    ...(t.onsets ? ['', `Beat detection, S1/S2 onsets within ±50 ms (${(summary.modelOnsets ?? summary.onsets)?.windows} windows):`, textTable(...t.onsets)] : []),
  ].join('\n')
}

export function formatEvalMarkdown(summary: EvalSummary, title: string, notes: string[] = []): string {
  const t = tables(summary)
  return [
    `# ${title}`,
    '',
    `${summary.windows} labelled windows from ${summary.recordings} recordings of ${summary.patients} patients.`,
    ...notes.map((note) => `\n${note}`),
    '',
    '## Estimators',
    '',
    markdownTable(...t.estimators),
    '',
    '## By location, age group and murmur status',
    '',
    markdownTable(...t.breakdowns),
    '',
    '## By confidence',
    '',
    markdownTable(...t.confidence),
    '',
    ...(t.onsets ? [`## Beat detection (S1/S2 onsets within ±50 ms, ${(summary.modelOnsets ?? summary.onsets)?.windows} windows)`, '', markdownTable(...t.onsets), ''] : []),
  ].join('\n')
}
