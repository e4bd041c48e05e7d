/**
 * Measures the HR on the screen (issue 15) on what the display decision was NOT fitted on — the
 * test patients and the test robustness suite — and writes models/DISPLAY.md (included into
 * models/REPORT.md by models/training/report.py) and models/display-reliability.svg:
 *   node --require tsx/cjs scripts/display-report.ts --data ../shared/data/circor \
 *     --suite <test robustness suite> [--model models/ausculta-encoder.onnx] [--before <dir>]
 * `--before <dir>` adds a column for an older model from `<dir>/eval-test.json` (ausculta eval --split
 * test --json) and `<dir>/robustness-test.json` (ausculta robustness --json) made with it.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { calibrationTable, summariseEval, type CalibrationRow, type EvalSummary } from '../src/core/eval/eval-summary'
import type { HrMetrics } from '../src/core/metrics/hr-metrics'
import { evaluateFolder } from '../src/main/eval/evaluate-folder'
import { robustnessRows, ROBUSTNESS_HEADERS, runRobustnessSuite, type SuiteRun } from '../src/main/eval/robustness-suite'
import { scoreDecisions, type StreamScores } from '../src/main/eval/stream-collect'
import { EncoderModel } from '../src/main/model/encoder-model'
import { circorDataDir } from './circor-data-dir'

const pct = (share: number, digits = 1): string => (Number.isFinite(share) ? `${(100 * share).toFixed(digits)} %` : '–')
const num = (value: number | null | undefined, digits = 2): string =>
  value !== null && value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–'
const table = (headers: string[], rows: string[][]): string =>
  [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

function metricsCells(m: HrMetrics | null | undefined): string[] {
  if (!m) return ['–', '–', '–', '–']
  const total = m.count + m.declinedCount
  return [num(m.maeBpm), pct(m.within5BpmShare), `${m.count} / ${total}`, pct(total > 0 ? m.count / total : Number.NaN)]
}

function reliabilitySvg(series: Array<{ rows: CalibrationRow[]; colour: string; label: string }>, title: string): string {
  const size = 320
  const pad = 44
  const scale = (v: number): number => pad + v * (size - 2 * pad)
  const y = (v: number): number => size - scale(v)
  const bars = series
    .flatMap(({ rows, colour }) =>
      rows.map(
        (r) =>
          `<circle cx="${scale(r.meanConfidence).toFixed(1)}" cy="${y(r.within5Share).toFixed(1)}" ` +
          `r="${Math.max(3, Math.min(12, Math.sqrt(r.windows) / 2)).toFixed(1)}" fill="${colour}" ` +
          `fill-opacity="0.6"><title>${r.windows} windows: confidence ${pct(r.meanConfidence)}, observed ` +
          `${pct(r.within5Share)}</title></circle>`,
      ),
    )
    .join('')
  const legend = series
    .map(
      ({ colour, label }, i) =>
        `<circle cx="${pad + 8}" cy="${pad + 8 + i * 14}" r="4" fill="${colour}"/><text x="${pad + 16}" ` +
        `y="${pad + 12 + i * 14}" font-size="10">${label}</text>`,
    )
    .join('')
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<text x="${scale(t)}" y="${size - pad + 16}" font-size="10" text-anchor="middle">${t}</text><text x="${pad - 6}" ` +
        `y="${y(t) + 3}" font-size="10" text-anchor="end">${t}</text>`,
    )
    .join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/><text x="${size / 2}" y="16" font-size="11" text-anchor="middle">${title}</text>
<line x1="${scale(0)}" y1="${y(0)}" x2="${scale(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>
<line x1="${pad}" y1="${size - pad}" x2="${size - pad}" y2="${size - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" ` +
    `x2="${pad}" y2="${size - pad}" stroke="black"/>
${ticks}${bars}${legend}
<text x="${size / 2}" y="${size - 8}" font-size="11" text-anchor="middle">stated confidence</text>
<text x="12" y="${size / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${size / 2})">observed within 5 bpm</text>
</svg>
`
  )
}

function suiteGroups(run: SuiteRun): Map<string, StreamScores> {
  const groups = new Map<string, StreamScores>()
  const byGroup = new Map<string, string[]>()
  for (const r of run.results) byGroup.set(r.condition.group, [...(byGroup.get(r.condition.group) ?? []), r.condition.id])
  for (const [group, ids] of byGroup)
    groups.set(group, scoreDecisions(ids.flatMap((id) => run.streams.get(id)?.flatMap((s) => s.windows) ?? [])))
  return groups
}

async function benchOneWindow(modelPath: string): Promise<number> {
  const model = await EncoderModel.load(modelPath, { intraOpThreads: 1 })
  const window = new Float32Array(model.windowSamples).map((_, i) => Math.sin(i / 7) * 0.1)
  for (let i = 0; i < 20; i++) await model.run([window])
  const times: number[] = []
  for (let i = 0; i < 200; i++) {
    const t = performance.now()
    await model.run([window])
    times.push(performance.now() - t)
  }
  await model.release()
  times.sort((a, b) => a - b)
  return times[100] as number
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      suite: { type: 'string' },
      model: { type: 'string', default: 'models/ausculta-encoder.onnx' },
      before: { type: 'string' },
      out: { type: 'string', default: 'models/DISPLAY.md' },
    },
  })
  if (!values.suite) {
    process.stderr.write(
      'usage: display-report.ts [--data <CirCor folder>] --suite <test robustness suite> [--model <onnx>] [--before <dir>]\n',
    )
    process.exit(2)
  }
  const data = circorDataDir(values.data, 'display-report')
  const modelPath = resolve(values.model)
  const model = await EncoderModel.load(modelPath)
  const card = model.card
  const split = card.training.splitPatients
  if (!split?.test || !split.validation) throw new Error(`${modelPath}: the card lists no test/validation patients`)
  const layerNames = card.layers.map((l) => l.name)
  const testRecords = (await evaluateFolder(data, { model, patientIds: new Set(split.test) })).records
  const test = summariseEval(testRecords, layerNames)
  const validation = summariseEval((await evaluateFolder(data, { model, patientIds: new Set(split.validation) })).records, layerNames)
  const suite = await runRobustnessSuite(values.suite, model)
  await model.release()
  if (suite.manifest.split !== 'test') throw new Error(`${values.suite}: a ${suite.manifest.split} suite; report on the test suite`)
  const msPerWindow = await benchOneWindow(modelPath)
  const onnxMb = statSync(modelPath).size / 1e6

  const estimator = (s: EvalSummary, name: string): HrMetrics | undefined => s.estimators.find((e) => e.estimator === name)?.metrics
  const breakdown = (s: EvalSummary, group: string, value: string): { production: HrMetrics | null; displayed?: HrMetrics } | undefined =>
    s.breakdowns.find((b) => b.group === group && b.value === value)
  const groups = suiteGroups(suite)
  const suiteAll = scoreDecisions([...suite.streams.values()].flat().flatMap((s) => s.windows))
  const noHeartIds = suite.results.filter((r) => r.condition.kind !== 'heart').map((r) => r.condition.id)
  const noHeart = scoreDecisions(noHeartIds.flatMap((id) => suite.streams.get(id)?.flatMap((s) => s.windows) ?? []))
  const hardIds = suite.results.filter((r) => /^(device|tempo)/.test(r.condition.group)).map((r) => r.condition.id)
  const hard = scoreDecisions(hardIds.flatMap((id) => suite.streams.get(id)?.flatMap((s) => s.windows) ?? []))
  const slowIds = suite.results.filter((r) => /^tempo-slow/.test(r.condition.id)).map((r) => r.condition.id)
  const slow = scoreDecisions(slowIds.flatMap((id) => suite.streams.get(id)?.flatMap((s) => s.windows) ?? []))
  const prodTest = estimator(test, 'production')
  const dispTest = estimator(test, 'displayed')
  const adults = breakdown(test, 'age group', 'not given (adult)')
  const below70 = ['< 60', '60–70'].map((band) => breakdown(test, 'reference HR (bpm)', band)).filter((b) => b !== undefined)
  const below70Val = ['< 60', '60–70'].map((band) => breakdown(validation, 'reference HR (bpm)', band)).filter((b) => b !== undefined)
  const wall = card.trainingWallSeconds ?? null

  const suiteLabelled = [...suite.streams.values()]
    .flat()
    .flatMap((s) => s.windows)
    .filter(
      (w) => w.truth.kind === 'hr' && w.decision.windowBpm !== null && w.decision.code !== 'no-heart' && w.decision.code !== 'no-signal',
    )
  const suiteReliability = calibrationTable(
    suiteLabelled.map((w) => ({
      confidence: w.decision.confidence,
      within5: Math.abs((w.decision.windowBpm as number) - (w.truth as { bpm: number }).bpm) <= 5,
    })),
  )

  const target = (name: string, want: string, got: string, ok: boolean | null): string[] => [
    name,
    want,
    got,
    ok === null ? 'n/a' : ok ? 'met' : '**not met**',
  ]
  const below70Count = below70.reduce((n, b) => n + (b?.production?.count ?? 0), 0)
  const slowProdMae = slow.productionMaeBpm
  const targets = [
    target(
      'production head MAE, test patients',
      '≤ 0.6 bpm',
      `${num(prodTest?.maeBpm)} bpm (${prodTest?.count} windows)`,
      (prodTest?.maeBpm ?? 99) <= 0.6,
    ),
    target(
      'production head MAE, reference HR < 70',
      '≤ 1.5 bpm',
      below70Count > 0
        ? `${below70.map((b) => num(b?.production?.maeBpm)).join(' / ')} bpm (test, ${below70Count} windows)`
        : `no test window below 70 bpm; slowed test hearts (40, 50 bpm): ${num(slowProdMae)} bpm (${slow.labelledWindows} windows)`,
      slowProdMae <= 1.5 && below70.every((b) => (b?.production?.maeBpm ?? 0) <= 1.5),
    ),
    target(
      'production head MAE, adults (age not given)',
      '≤ 1.0 bpm',
      adults?.production ? `${num(adults.production.maeBpm)} bpm (${adults.production.count} windows)` : 'no adult in the test patients',
      adults?.production ? adults.production.maeBpm <= 1.0 : null,
    ),
    target(
      'displayed HR answers, labelled test windows',
      '≥ 97 %',
      pct(test.displayed?.answeredShare ?? Number.NaN),
      (test.displayed?.answeredShare ?? 0) >= 0.97,
    ),
    target('displayed HR MAE', '≤ 0.5 bpm', `${num(dispTest?.maeBpm)} bpm`, (dispTest?.maeBpm ?? 99) <= 0.5),
    target(
      'displayed HR off by > 5 bpm',
      '≤ 0.3 %',
      pct(test.displayed?.off5Share ?? Number.NaN, 2),
      (test.displayed?.off5Share ?? 1) <= 0.003,
    ),
    target(
      'no heart sound: windows with an HR shown',
      '≤ 1 %',
      `${noHeart.noHeartShown} / ${noHeart.noHeartWindows} (${pct(noHeart.noHeartShownShare, 2)})`,
      noHeart.noHeartShownShare <= 0.01,
    ),
    target(
      'other stethoscopes, slowed/quickened hearts: shown numbers off by > 10 bpm',
      '0',
      `${hard.off10} of ${hard.answered} shown (${pct(hard.answeredShare)} answered)`,
      hard.off10 === 0,
    ),
    target(
      'adults: shown numbers off by > 10 bpm',
      '0',
      adults?.displayed
        ? `${Math.round((1 - adults.displayed.within5BpmShare) * adults.displayed.count)} off > 5 of ${adults.displayed.count}`
        : 'n/a',
      null,
    ),
    target('one window, one thread (median)', '≤ 2 ms', `${num(msPerWindow)} ms`, msPerWindow <= 2),
    target('ONNX size', '≤ 10 MB', `${num(onnxMb)} MB`, onnxMb <= 10),
    target(
      'training wall time on this machine',
      '≤ 2 h',
      wall === null ? 'n/a' : `${(wall / 60).toFixed(0)} min`,
      wall === null ? null : wall <= 7200,
    ),
  ]

  let before: { eval: { summary: EvalSummary }; robustness: { results: Array<{ id: string; kind: string } & StreamScores> } } | null = null
  if (values.before && existsSync(join(values.before, 'eval-test.json')) && existsSync(join(values.before, 'robustness-test.json'))) {
    before = {
      eval: JSON.parse(readFileSync(join(values.before, 'eval-test.json'), 'utf8')),
      robustness: JSON.parse(readFileSync(join(values.before, 'robustness-test.json'), 'utf8')),
    }
  }

  const md: string[] = []
  md.push('## The HR on the screen (issue 15)', '')
  md.push(
    `Model \`${card.id}@${card.version}\`; display decision \`src/core/hr/hr-decision.ts\` (docs/hr-decision.md), fitted on ` +
      `validation patients and the validation robustness suite only (card \`display.fittedOn\`). Everything below is measured ` +
      `on what it was **not** fitted on: the ${split.test.length} test patients of split seed ${card.training.splitSeed ?? 0} ` +
      `(${test.windows} labelled windows) and the test robustness suite (${suite.results.length} conditions built from test ` +
      `patients by \`models/training/robustness.py\`, ${suite.manifest.variant} variant). The displayed HR is what the screen shows ` +
      'had each recording been streamed from its start; a window without a number counts as declined.',
    '',
  )
  md.push('### Targets', '', table(['target', 'wanted', 'measured', ''], targets), '')
  md.push(
    '### Test patients',
    '',
    table(
      ['estimator', 'MAE bpm', 'within 5 bpm', 'scored / windows', 'answered'],
      test.estimators.filter((e) => !e.estimator.startsWith('layer ')).map((e) => [e.estimator, ...metricsCells(e.metrics)]),
    ),
    '',
  )
  md.push(
    `Displayed HR: answered ${pct(test.displayed?.answeredShare ?? Number.NaN)}, shown numbers off by > 5 bpm ` +
      `${pct(test.displayed?.off5Share ?? Number.NaN, 2)}, off by > 10 bpm ${pct(test.displayed?.off10Share ?? Number.NaN, 2)}; withheld: ${
        Object.entries(test.displayed?.withheld ?? {})
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none'
      }.`,
    '',
  )
  md.push(
    table(
      ['group', 'value', 'displayed MAE', 'displayed answered', 'production MAE', 'windows'],
      test.breakdowns.map((b) => [
        b.group,
        b.value,
        num(b.displayed?.maeBpm),
        b.displayed ? pct(b.displayed.count / Math.max(1, b.displayed.count + b.displayed.declinedCount)) : '–',
        num(b.production?.maeBpm),
        `${b.production?.count ?? 0}`,
      ]),
    ),
    '',
  )
  const offWindows = testRecords.filter((r) => r.displayed?.hrBpm != null && Math.abs(r.displayed.hrBpm - r.referenceBpm) > 5)
  if (offWindows.length > 0) {
    md.push(
      'Every shown number off by more than 5 bpm from its protocol label, for a reader to check against the `.tsv` (a label is ' +
        '60 / mean S1–S1 interval, so one missing or extra S1 row moves it):',
      '',
    )
    md.push(
      table(
        ['recording', 'window start s', 'reference bpm', 'shown bpm', 'production bpm', 'classical bpm', 'confidence'],
        offWindows.map((r) => [
          r.recordingId,
          r.startS.toFixed(2),
          r.referenceBpm.toFixed(1),
          num(r.displayed?.hrBpm, 1),
          num(r.production?.hrBpm, 1),
          num(r.classical.hrBpm, 1),
          pct(r.displayed?.confidence ?? Number.NaN),
        ]),
      ),
      '',
    )
  }
  if (below70Val.length > 0)
    md.push(
      `Validation patients (fitted on) below 70 bpm: ` +
        `${below70Val
          .map(
            (b) =>
              `production ${num(b?.production?.maeBpm)} bpm, displayed ${num(b?.displayed?.maeBpm)} bpm ` +
              `over ${b?.production?.count} windows`,
          )
          .join('; ')}.`,
      '',
    )
  md.push('### Calibration of the stated confidence', '')
  md.push(
    `The confidence on the screen is P(|error| ≤ 5 bpm) of the window's estimate. Expected calibration error on the test ` +
      `patients: **${num(test.displayed?.ece ?? Number.NaN, 3)}**; on the test robustness suite's labelled windows: ` +
      `**${num(suiteReliability.ece, 3)}** (validation, fitted on: card \`display.validation.ece\`).`,
    '',
  )
  md.push(
    table(
      [
        'confidence bin',
        'test windows',
        'mean confidence',
        'observed within 5 bpm',
        'suite windows',
        'suite mean confidence',
        'suite observed',
      ],
      mergeReliability(test.displayed?.calibration ?? [], suiteReliability.rows),
    ),
    '',
  )
  md.push('![reliability diagram](display-reliability.svg)', '')
  md.push(
    '### Robustness suite (test patients)',
    '',
    table(
      ROBUSTNESS_HEADERS,
      [...groups.entries()].map(
        ([group, s]) =>
          robustnessRows([
            {
              condition: {
                id: `${group} (all)`,
                group,
                kind: suite.results.find((r) => r.condition.group === group)!.condition.kind,
                description: '',
                sampleRateHz: 0,
              },
              scores: s,
            },
          ])[0] as string[],
      ),
    ),
    '',
  )
  md.push(
    `All conditions together: ${suiteAll.labelledWindows} labelled windows, answered ${pct(suiteAll.answeredShare)}, shown MAE ` +
      `${num(suiteAll.maeBpm)} bpm, ${suiteAll.off10} shown numbers off by > 10 bpm; ${suiteAll.noHeartShown} of ` +
      `${suiteAll.noHeartWindows} windows without a heart showed an HR.`,
    '',
  )
  md.push('<details><summary>Every condition</summary>', '', table(ROBUSTNESS_HEADERS, robustnessRows(suite.results)), '', '</details>', '')
  if (before) {
    const old = before.robustness.results
    const oldScores = (
      pred: (r: { id: string; kind: string }) => boolean,
    ): { shown: number; windows: number; off10: number; answered: number; labelled: number } =>
      old.filter(pred).reduce(
        (a, r) => ({
          shown: a.shown + r.noHeartShown,
          windows: a.windows + r.noHeartWindows,
          off10: a.off10 + r.off10,
          answered: a.answered + r.answered,
          labelled: a.labelled + r.labelledWindows,
        }),
        { shown: 0, windows: 0, off10: 0, answered: 0, labelled: 0 },
      )
    const oldNoHeart = oldScores((r) => r.kind !== 'heart')
    const oldHard = oldScores((r) => /^(device|tempo)/.test(r.id))
    const oldProd = before.eval.summary.estimators.find((e) => e.estimator === 'production')?.metrics
    md.push('### Before and after', '')
    md.push(
      'The previous model (1.0.0, trained without tempo/device/background augmentation and without a no-HR head) through the ' +
        'same display decision with its default settings, on the same test windows and suite:',
      '',
    )
    md.push(
      table(
        ['measure', 'before (1.0.0)', `now (${card.version})`],
        [
          ['production MAE, test patients', `${num(oldProd?.maeBpm)} bpm`, `${num(prodTest?.maeBpm)} bpm`],
          [
            'no heart sound: windows with an HR',
            `${oldNoHeart.shown} / ${oldNoHeart.windows} (${pct(oldNoHeart.shown / oldNoHeart.windows)})`,
            `${noHeart.noHeartShown} / ${noHeart.noHeartWindows} (${pct(noHeart.noHeartShownShare)})`,
          ],
          ['devices and tempo: shown off by > 10 bpm', `${oldHard.off10} of ${oldHard.answered}`, `${hard.off10} of ${hard.answered}`],
          ['devices and tempo: answered', pct(oldHard.answered / Math.max(1, oldHard.labelled)), pct(hard.answeredShare)],
          ...['tempo-slow-40', 'tempo-fast-190', 'tempo-fast-220', 'no-heart-hum50', 'no-heart-white'].map((id) => {
            const o = old.find((r) => r.id === id)
            const n = suite.results.find((r) => r.condition.id === id)?.scores
            const show = (s: StreamScores | undefined): string =>
              !s
                ? '–'
                : s.labelledWindows > 0
                  ? `answered ${pct(s.answeredShare)}, production MAE ${num(s.productionMaeBpm)}, off > 10: ${s.off10}`
                  : `HR in ${pct(s.noHeartShownShare)} of windows`
            return [id, show(o as StreamScores | undefined), show(n)]
          }),
        ],
      ),
      '',
    )
  }
  md.push('### How it was measured', '')
  md.push(
    `- \`node --require tsx/cjs scripts/display-report.ts --data <CirCor> --suite <test suite>\` (this file); the suite: ` +
      `\`/usr/bin/python3 -m models.training.robustness --data <CirCor> --split test --variant full --out <dir>\`; the same ` +
      `figures per condition: \`npm run eval:robustness\`; per window: \`ausculta eval <CirCor> --split test --windows out.csv\`.`,
  )
  md.push(
    `- One window, one thread: median of 200 runs of the whole graph in onnxruntime-node on this 2-core machine (shared with ` +
      `other work); \`npm run bench:model\` gives the full figures.`,
  )
  md.push(
    '- The test robustness suite is synthetic around real test-patient recordings (tempo by beat-wise warping of the .tsv ' +
      'segmentation, device responses, mixed backgrounds, generated no-heart audio). It shows how the decision behaves where ' +
      'CirCor has no data; it is not a clinical validation.',
  )
  md.push('')
  writeFileSync(values.out, md.join('\n'))
  writeFileSync(
    join(values.out, '..', 'display-reliability.svg'),
    reliabilitySvg(
      [
        { rows: test.displayed?.calibration ?? [], colour: '#1f77b4', label: 'test patients' },
        { rows: suiteReliability.rows, colour: '#ff7f0e', label: 'test robustness suite' },
      ],
      'Reliability of the stated confidence',
    ),
  )
  process.stdout.write(md.join('\n') + '\n')
}

function mergeReliability(a: CalibrationRow[], b: CalibrationRow[]): string[][] {
  const keys = [...new Set([...a, ...b].map((r) => r.lo))].sort((x, y) => x - y)
  return keys.map((lo) => {
    const ra = a.find((r) => r.lo === lo)
    const rb = b.find((r) => r.lo === lo)
    const hi = (ra ?? rb)?.hi ?? 1
    return [
      `${lo.toFixed(2)}–${hi.toFixed(2)}`,
      `${ra?.windows ?? 0}`,
      ra ? pct(ra.meanConfidence) : '–',
      ra ? pct(ra.within5Share) : '–',
      `${rb?.windows ?? 0}`,
      rb ? pct(rb.meanConfidence) : '–',
      rb ? pct(rb.within5Share) : '–',
    ]
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`display-report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
