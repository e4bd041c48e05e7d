/** Text and Markdown renderings of an evaluation summary (what `ausculta eval` prints and writes). */
import type { HrMetrics } from '../metrics/hr-metrics'
import type { EvalSummary, EvalWindowRecord, OnsetSummary } from './eval-summary'

const number = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : '–')

function metricCells(metrics: HrMetrics | null): string[] {
  if (!metrics) return ['–', '–', '–', '–', '0']
  return [
    number(metrics.maeBpm),
    number(metrics.medianAbsErrorBpm),
    percent(metrics.within5BpmShare),
    number(metrics.rmseBpm),
    `${metrics.count}${metrics.declinedCount > 0 ? ` (+${metrics.declinedCount} declined)` : ''}`,
  ]
}

const METRIC_HEADERS = ['MAE bpm', 'median AE', 'within 5 bpm', 'RMSE', 'windows']

function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}

function markdownTable(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}

interface Tables {
  displayed: [string[], string[][]] | null
  calibration: [string[], string[][]] | null
  onsets: [string[], string[][]] | null
  estimators: [string[], string[][]]
  breakdowns: [string[], string[][]]
  confidence: [string[], string[][]]
}

function tables(summary: EvalSummary): Tables {
  const detectors: Array<[string, OnsetSummary]> = []
  if (summary.modelOnsets) detectors.push(['segmentation head', summary.modelOnsets])
  if (summary.onsets) detectors.push(['envelope', summary.onsets])
  const d = summary.displayed
  return {
    displayed: d
      ? [
          ['answered', 'shown off > 5 bpm', 'shown off > 10 bpm', 'ECE', 'withheld (reason: windows)'],
          [
            [
              percent(d.answeredShare),
              percent(d.off5Share),
              percent(d.off10Share),
              number(d.ece, 3),
              Object.entries(d.withheld)
                .map(([code, n]) => `${code}: ${n}`)
                .join(', ') || '–',
            ],
          ],
        ]
      : null,
    calibration: d
      ? [
          ['confidence bin', 'windows', 'mean confidence', 'observed within 5 bpm'],
          d.calibration.map((row) => [
            `${number(row.lo, 2)}–${number(row.hi, 2)}`,
            `${row.windows}`,
            percent(row.meanConfidence),
            percent(row.within5Share),
          ]),
        ]
      : null,
    onsets:
      detectors.length > 0
        ? [
            ['detector', 'sound', 'precision', 'recall', 'F1', 'TP', 'FP', 'FN'],
            detectors.flatMap(([name, o]) =>
              (['s1', 's2'] as const).map((k) => [
                name,
                k.toUpperCase(),
                number(o[k].precision, 3),
                number(o[k].recall, 3),
                number(o[k].f1, 3),
                `${o[k].truePositives}`,
                `${o[k].falsePositives}`,
                `${o[k].falseNegatives}`,
              ]),
            ),
          ]
        : null,
    estimators: [['estimator', ...METRIC_HEADERS], summary.estimators.map((row) => [row.estimator, ...metricCells(row.metrics)])],
    breakdowns: [
      [
        'group',
        'value',
        'displayed MAE',
        'displayed answered',
        'production MAE',
        'production windows',
        'classical MAE',
        'classical windows',
      ],
      summary.breakdowns.map((row) => [
        row.group,
        row.value,
        number(row.displayed?.maeBpm ?? Number.NaN),
        row.displayed ? percent(row.displayed.count / Math.max(1, row.displayed.count + row.displayed.declinedCount)) : '–',
        number(row.production?.maeBpm ?? Number.NaN),
        `${row.production?.count ?? 0}`,
        number(row.classical.maeBpm),
        `${row.classical.count}`,
      ]),
    ],
    confidence: [
      ['estimator', 'most confident', 'min confidence', ...METRIC_HEADERS],
      [
        ...summary.confidence.map((row) => [
          'production',
          percent(row.keptShare),
          number(row.minConfidence, 3),
          ...metricCells(row.metrics),
        ]),
        ...summary.classicalQuality.map((row) => [
          'classical',
          percent(row.keptShare),
          number(row.minConfidence, 3),
          ...metricCells(row.metrics),
        ]),
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
    ...(t.displayed ? ['', 'Displayed HR (what the screen shows; withheld windows count as declined):', textTable(...t.displayed)] : []),
    '',
    'By reference HR, location, age group and murmur status:',
    textTable(...t.breakdowns),
    '',
    'By confidence (the most confident share of windows):',
    textTable(...t.confidence),
    ...(t.calibration
      ? ['', 'Calibration of the displayed confidence (reliability: P(|error| ≤ 5 bpm)):', textTable(...t.calibration)]
      : []),
    ...(t.onsets
      ? [
          '',
          `Beat detection, S1/S2 onsets within ±50 ms (${(summary.modelOnsets ?? summary.onsets)?.windows} windows):`,
          textTable(...t.onsets),
        ]
      : []),
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
    ...(t.displayed
      ? [
          '## Displayed HR',
          '',
          'What the screen shows had each recording been streamed from its start; windows without a number count as declined.',
          '',
          markdownTable(...t.displayed),
          '',
        ]
      : []),
    '## By reference HR, location, age group and murmur status',
    '',
    markdownTable(...t.breakdowns),
    '',
    '## By confidence',
    '',
    markdownTable(...t.confidence),
    '',
    ...(t.calibration ? ['## Calibration of the displayed confidence', '', markdownTable(...t.calibration), ''] : []),
    ...(t.onsets
      ? [
          `## Beat detection (S1/S2 onsets within ±50 ms, ${(summary.modelOnsets ?? summary.onsets)?.windows} windows)`,
          '',
          markdownTable(...t.onsets),
          '',
        ]
      : []),
  ].join('\n')
}

export const WINDOWS_CSV_COLUMNS = [
  'recording_id',
  'patient_id',
  'location',
  'age_group',
  'murmur',
  'start_s',
  'reference_bpm',
  'displayed_bpm',
  'display_code',
  'production_bpm',
  'confidence',
  'production_mass5',
  'no_hr_prob',
  'classical_bpm',
  'classical_quality',
] as const

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)
const csvNumber = (value: number | null | undefined, digits: number): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '' : value.toFixed(digits)

/** One row per labelled window; `displayed_bpm` is empty where the screen would show no number,
 * `confidence` is the calibrated confidence the screen states, `production_mass5` the head's raw mass within ±5 bpm. */
export function formatWindowsCsv(records: readonly EvalWindowRecord[]): string {
  const lines = [WINDOWS_CSV_COLUMNS.join(',')]
  for (const r of records) {
    lines.push(
      [
        csvField(r.recordingId),
        csvField(r.patientId),
        csvField(r.location),
        csvField(r.ageGroup ?? 'not given (adult)'),
        csvField(r.murmur ?? ''),
        csvNumber(r.startS, 3),
        csvNumber(r.referenceBpm, 2),
        csvNumber(r.displayed?.hrBpm, 2),
        csvField(r.displayed?.code ?? ''),
        csvNumber(r.production?.hrBpm, 2),
        csvNumber(r.displayed?.confidence, 4),
        csvNumber(r.production?.confidence, 4),
        csvNumber(r.noHrProb, 4),
        csvNumber(r.classical.hrBpm, 2),
        csvNumber(r.classical.quality, 3),
      ].join(','),
    )
  }
  return lines.join('\n') + '\n'
}
