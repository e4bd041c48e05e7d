/**
 * `ausculta robustness <suite folder> [--model <file.onnx> | --model none] [--json] [--report <out.md>]`:
 * runs a robustness suite (models/training/robustness.py) through the display decision and prints,
 * per condition, how often an HR is shown, how far off it is, and how often a recording without a
 * heart sound gets a number anyway.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { EncoderModel } from '../../model/encoder-model'
import { formatRobustnessMarkdown, ROBUSTNESS_HEADERS, robustnessRows, runRobustnessSuite } from '../../eval/robustness-suite'
import { defineCommand, flagOption, valueOption } from '../define-command'
import { jsonWithNulls } from '../json-output'
import { modelPathOption } from '../model-option'
import { ProgressBar } from '../progress-bar'

const usage = `Usage: ausculta robustness <suite folder> [--model <file.onnx> | --model none] [--json] [--report <out.md>]

Runs every condition of a robustness suite made by
  /usr/bin/python3 -m models.training.robustness --data <CirCor folder> --split test --variant full --out <suite folder>
(slowed and quickened hearts, other stethoscopes and sample rates, noise at 20/10/0 dB SNR,
recordings with no heart sound, lifted chestpieces) through the display decision, as if each
recording were streamed from its start, and prints per condition: the share of labelled windows
with an HR shown, its MAE, how many shown numbers are off by > 5 and > 10 bpm, the production
head's MAE, and how many windows without a heart sound show an HR.

  --model <file>   ONNX model with its .card.json beside it (default: the shipped encoder);
                   'none' scores the classical estimator alone
  --json           print one JSON object instead of the table
  --report <file>  also write the tables as Markdown`

export const command = defineCommand({
  summary: 'run a robustness suite (tempo, devices, noise, no heart) through the display decision',
  usage,
  options: { model: valueOption(), json: flagOption(), report: valueOption() },
  operands: ['<suite folder>'],
  async run(values, [suiteArg]) {
    const suite = resolve(suiteArg)
    const modelPath = modelPathOption(values.model)
    const model = modelPath === null ? null : await EncoderModel.load(modelPath)
    const progress = new ProgressBar('conditions')
    try {
      const run = await runRobustnessSuite(suite, model, (done, total, id) => progress.update(done, total, id))
      const title = `Robustness suite — model ${model ? `${model.card.id}@${model.card.version}` : 'none (classical only)'}`
      if (values.report) writeFileSync(values.report, formatRobustnessMarkdown(run, title))
      if (values.json) {
        process.stdout.write(
          jsonWithNulls(
            {
              suite,
              manifest: { variant: run.manifest.variant, split: run.manifest.split },
              results: run.results.map((r) => ({ id: r.condition.id, group: r.condition.group, kind: r.condition.kind, ...r.scores })),
              skipped: run.skipped,
            },
            2,
          ) + '\n',
        )
      } else {
        const rows = robustnessRows(run.results)
        const widths = ROBUSTNESS_HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
        const line = (cells: string[]): string =>
          cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
        process.stdout.write([title, line(ROBUSTNESS_HEADERS), ...rows.map(line)].join('\n') + '\n')
        if (run.skipped.length > 0) process.stdout.write(`Skipped: ${run.skipped.length} (first: ${run.skipped[0]})\n`)
      }
      return 0
    } finally {
      await model?.release()
    }
  },
})
