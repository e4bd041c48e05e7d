import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { summariseEval } from '../../../core/eval/eval-summary'
import { formatEvalMarkdown, formatEvalText, formatWindowsCsv } from '../../../core/eval/eval-format'
import { evaluateFolder } from '../../eval/evaluate-folder'
import { EncoderModel } from '../../model/encoder-model'
import { CliUsageError } from '../command'
import { defineCommand, flagOption, valueOption } from '../define-command'
import { jsonWithNulls } from '../json-output'
import { modelPathOption } from '../model-option'
import { ProgressBar } from '../progress-bar'

const usage = `Usage: ausculta eval <folder in CirCor format> [--model <file.onnx> | --model none] [--json] [--report <out.md>]
                     [--split train|validation|test] [--windows <out.csv>]

Runs every recording's protocol windows (5 s, 1-s hop, HR from the S1 onsets of the .tsv) through
the model and the classical estimator and prints MAE, median absolute error, share within 5 bpm,
RMSE and window count for the production head, every layer's head and the classical estimator,
and the displayed HR (what the screen would show had each recording been streamed from its start;
windows without a number count as declined), with breakdowns by reference HR, location, age group
and murmur status, by the model's confidence, and the calibration of the displayed confidence.

  --model <file>   ONNX model with its .card.json beside it (default: the shipped encoder);
                   'none' evaluates the classical estimator alone
  --split <name>   only the patients of that split of the model's training (listed in its card)
  --json           print one JSON object instead of tables
  --report <file>  also write the tables as Markdown
  --windows <file> write one CSV row per labelled window (reference, displayed, production,
                   confidence, classical, display decision)`

export const command = defineCommand({
  summary: 'evaluate the model and the classical estimator on a CirCor-format folder',
  usage,
  options: { model: valueOption(), json: flagOption(), report: valueOption(), split: valueOption(), windows: valueOption() },
  operands: ['<folder>'],
  async run(values, [folderArg]) {
    const folder = resolve(folderArg)
    if (values.split !== undefined && values.split !== 'validation' && values.split !== 'test' && values.split !== 'train') {
      throw new CliUsageError(`--split must be train, validation or test, got '${values.split}'`)
    }

    const modelPath = modelPathOption(values.model)
    const model = modelPath === null ? null : await EncoderModel.load(modelPath)
    let patientIds: Set<string> | undefined
    if (values.split !== undefined) {
      const listed = model?.card.training.splitPatients?.[values.split]
      if (!listed) throw new CliUsageError(`--split ${values.split}: the model card lists no patients for that split`)
      patientIds = new Set(listed)
    }

    const progress = new ProgressBar('evaluating')
    try {
      const evaluation = await evaluateFolder(folder, {
        model,
        ...(patientIds ? { patientIds } : {}),
        onProgress: (done, total, id) => progress.update(done, total, id),
      })
      const layerNames = model?.card.layers.map((layer) => layer.name) ?? []
      const summary = summariseEval(evaluation.records, layerNames)
      const title =
        `Ausculta eval: ${folder}${values.split ? ` (${values.split} patients)` : ''} — model ` +
        `${model ? `${model.card.id}@${model.card.version}` : 'none (classical only)'}`
      const notes = [
        `Recordings read: ${evaluation.recordingsRead} (${evaluation.recordingsWithoutWindows} without a labelled window); ` +
          `skipped: ${evaluation.skipped.length}.`,
        ...evaluation.skipped.slice(0, 20).map((skip) => `- skipped ${skip.path}: ${skip.reason}`),
      ]
      if (values.report) writeFileSync(values.report, formatEvalMarkdown(summary, title, notes))
      if (values.windows) writeFileSync(values.windows, formatWindowsCsv(evaluation.records))
      if (values.json) {
        process.stdout.write(
          jsonWithNulls(
            {
              folder,
              model: model ? { id: model.card.id, version: model.card.version, path: modelPath } : null,
              split: values.split ?? null,
              summary,
              skipped: evaluation.skipped,
              warnings: evaluation.warnings,
              recordingsRead: evaluation.recordingsRead,
            },
            2,
          ) + '\n',
        )
      } else {
        process.stdout.write(formatEvalText(summary, title) + '\n\n' + notes.join('\n') + '\n')
        if (evaluation.warnings.length > 0)
          process.stdout.write(`Warnings: ${evaluation.warnings.length} (first: ${evaluation.warnings[0]})\n`)
      }
      if (summary.windows === 0) {
        // Exit 1 must say why: nothing was scored (every recording skipped, or none with a labelled window).
        const first = evaluation.skipped[0]
        process.stderr.write(
          `ausculta eval: no labelled window could be evaluated in ${folder}: ${evaluation.recordingsRead} recordings read ` +
            `(${evaluation.recordingsWithoutWindows} without a labelled window), ${evaluation.skipped.length} ` +
            `skipped${first ? ` (first: ${first.path}: ${first.reason})` : ''}\n`,
        )
        return 1
      }
      return 0
    } finally {
      await model?.release()
    }
  },
})
