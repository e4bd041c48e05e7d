/**
 * `ausculta analyze <file.wav> [--estimator model|classical] [--model <file.onnx>] [--tsv <file>]
 * [--json | --csv] [--hop 1] [--window 5]`: every window of a recording as the live screen would
 * have shown it had the file been streamed from its start (the display decision,
 * src/core/hr/hr-decision.ts), with the production, classical and beat figures; with a CirCor
 * segmentation, the protocol windows (docs/hr-protocol.md), their reference HR and the metrics.
 */
import { analyzeRecording, type AnalyzedWindow, type RecordingAnalysis } from '../../analysis/analyze-recording'
import { EncoderModel } from '../../model/encoder-model'
import { CliUsageError } from '../command'
import { defineCommand, flagOption, valueOption } from '../define-command'
import { jsonWithNulls } from '../json-output'
import { modelPathOption } from '../model-option'

const usage = `Usage: ausculta analyze <file.wav> [--estimator model|classical] [--model <file.onnx>] [--tsv <segmentation.tsv>]
                        [--json | --csv] [--hop <s>] [--window <s>]

Analyses every window of <file.wav> (any rate and format the WAV reader accepts, resampled to the
model's 4 kHz) as the live screen would have, had the file been streamed from its start: the HR it
would show, or none and why ("no reliable HR"), with the production head's, the classical
estimator's and the detected beats' figures.

Options:
  --estimator <e>  model (default: the encoder and the display decision) or classical (the
                   envelope-autocorrelation estimator alone, the app's fallback)
  --model <file>   ONNX model with its .card.json beside it (default: the shipped encoder)
  --tsv <file>     CirCor segmentation: analyse the protocol windows (annotated runs only) and
                   compare with their reference HR (S1 onsets); prints MAE and friends
  --json           print one JSON object: {"windows":[{"startS", "hrBpm" (null = no reliable HR),
                   "reason", "confidence", "productionBpm", "classicalBpm", "beatsBpm", ...}], ...}
  --csv            print the windows as CSV
  --hop <s>        seconds between window starts (default 1, as the live screen)
  --window <s>     window length in seconds (classical only; the model takes 5)`

function positiveSeconds(name: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 3600)
    throw new CliUsageError(`--${name} must be a positive number of seconds (at most 3600), got '${text}'`)
  return value
}

const fixed = (value: number | null | undefined, digits: number): string =>
  value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits)

function table(analysis: RecordingAnalysis): string {
  const withReference = analysis.tsvPath !== null
  const lines: string[] = []
  lines.push(
    `${analysis.wavPath}: ${analysis.durationS.toFixed(2)} s at ${analysis.sourceRateHz} ` +
      `Hz${analysis.sourceRateHz !== analysis.analysisRateHz ? ` (resampled to ${analysis.analysisRateHz} Hz)` : ''}`,
  )
  lines.push(
    `estimator: ${analysis.estimator === 'model' ? `model ${analysis.modelId}` : 'classical'}; ${analysis.windows.length} ` +
      `windows of ${analysis.windowS} s every ${analysis.hopS} ` +
      `s${withReference ? ` inside the annotated runs of ${analysis.tsvPath}` : ''}`,
  )
  lines.push('')
  const headers = [
    'start s',
    'shown',
    'conf',
    'model',
    'classical',
    'beats',
    ...(withReference ? ['ref bpm', 'err bpm'] : []),
    'why not shown',
  ]
  lines.push(headers.map((h, i) => (i === headers.length - 1 ? `  ${h}` : h.padStart(9))).join(' '))
  for (const w of analysis.windows) {
    const cells = [
      fixed(w.startS, 2),
      fixed(w.hrBpm, 1),
      w.hrBpm === null ? '–' : `${Math.round(w.confidence * 100)} %`,
      fixed(w.productionBpm, 1),
      fixed(w.classicalBpm, 1),
      fixed(w.beatsBpm, 1),
    ]
    if (withReference)
      cells.push(
        fixed(w.referenceBpm, 1),
        w.errorBpm === null || w.errorBpm === undefined ? '–' : `${w.errorBpm >= 0 ? '+' : ''}${w.errorBpm.toFixed(1)}`,
      )
    lines.push(cells.map((c) => c.padStart(9)).join(' ') + (w.reason ? `  ${w.reason}` : ''))
  }
  lines.push('')
  lines.push(
    `median shown HR: ${fixed(analysis.medianHrBpm, 1)} bpm; HR shown in ` +
      `${analysis.reliableShare === null ? '–' : `${(100 * analysis.reliableShare).toFixed(0)} %`} of windows`,
  )
  const line = (name: string, m: RecordingAnalysis['metrics']): void => {
    if (m === null) return
    lines.push(
      m.count === 0
        ? `${name} vs reference: no window with both a reference and an estimate (${m.declinedCount} declined)`
        : `${name} vs reference (${m.count} windows${m.declinedCount > 0 ? `, ${m.declinedCount} declined` : ''}): MAE ` +
            `${m.maeBpm.toFixed(2)} bpm, median AE ${m.medianAbsErrorBpm.toFixed(2)} bpm, within 5 bpm ` +
            `${(100 * m.within5BpmShare).toFixed(1)} %, RMSE ${m.rmseBpm.toFixed(2)} bpm`,
    )
  }
  line('shown', analysis.metrics)
  line('production', analysis.productionMetrics)
  line('classical', analysis.classicalMetrics)
  return lines.join('\n') + '\n'
}

const CSV_COLUMNS: Array<keyof AnalyzedWindow> = [
  'startS',
  'hrBpm',
  'state',
  'code',
  'reason',
  'confidence',
  'productionBpm',
  'productionMass5',
  'noHrProb',
  'classicalBpm',
  'classicalQuality',
  'beatsBpm',
  's1Count',
  'referenceBpm',
  'errorBpm',
]

function csv(analysis: RecordingAnalysis): string {
  const field = (value: unknown): string => {
    if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return ''
    const text = typeof value === 'number' ? String(Math.round(value * 10000) / 10000) : String(value)
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return [CSV_COLUMNS.join(','), ...analysis.windows.map((w) => CSV_COLUMNS.map((column) => field(w[column])).join(','))].join('\n') + '\n'
}

export const command = defineCommand({
  summary: 'the heart rate the screen would show per window of a WAV (and errors vs a CirCor .tsv)',
  usage,
  options: {
    tsv: valueOption(),
    json: flagOption(),
    csv: flagOption(),
    hop: valueOption('1'),
    window: valueOption(),
    estimator: valueOption('model'),
    model: valueOption(),
  },
  operands: ['<file.wav>'],
  async run(values, [wavPath]) {
    if (values.json && values.csv) throw new CliUsageError('--json and --csv exclude each other')
    if (values.estimator !== 'model' && values.estimator !== 'classical')
      throw new CliUsageError(`--estimator must be model or classical, got '${values.estimator}'`)
    if (values.estimator === 'classical' && values.model !== undefined) throw new CliUsageError('--model applies to --estimator model only')
    const hopS = positiveSeconds('hop', values.hop)
    const windowS = values.window === undefined ? undefined : positiveSeconds('window', values.window)
    // Below ~2 s a window holds too few beats for an autocorrelation at 60 bpm.
    if (windowS !== undefined && windowS < 2) throw new CliUsageError(`--window must be at least 2 s (two beats at 60 bpm), got ${windowS}`)
    let model: EncoderModel | null = null
    if (values.estimator === 'model') {
      const modelPath = modelPathOption(values.model, ' (or use --estimator classical)')
      if (modelPath === null) throw new CliUsageError('--model none: use --estimator classical for the classical estimator alone')
      model = await EncoderModel.load(modelPath)
      if (windowS !== undefined && windowS !== model.card.input.windowSeconds) {
        await model.release()
        throw new CliUsageError(
          `--window ${windowS}: the model takes ${model.card.input.windowSeconds}-s windows (use --estimator classical for other lengths)`,
        )
      }
    }
    try {
      const analysis = await analyzeRecording(wavPath, { tsvPath: values.tsv, model, windowS, hopS })
      for (const problem of analysis.tsvProblems)
        process.stderr.write(`ausculta analyze: warning: ${problem.reason} (treated as unannotated)\n`)
      process.stdout.write(values.json ? jsonWithNulls(analysis) + '\n' : values.csv ? csv(analysis) : table(analysis))
      return 0
    } finally {
      await model?.release()
    }
  },
})
