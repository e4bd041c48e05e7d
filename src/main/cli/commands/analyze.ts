/**
 * `ausculta analyze <file.wav> [--tsv <segmentation.tsv>] [--json] [--hop 1] [--window 5]`:
 * the classical heart rate of every window of a recording; with a CirCor segmentation, the
 * protocol windows (DESIGN.md §1), their reference HR, the errors and the metrics.
 */
import { parseArgs } from 'node:util'
import { analyzeRecording, type RecordingAnalysis } from '../../analysis/analyze-recording'
import { CliUsageError, type CliCommand } from '../command'

const usage = `Usage: ausculta analyze <file.wav> [--tsv <segmentation.tsv>] [--json] [--hop <s>] [--window <s>]

Estimates the heart rate of every window of <file.wav> (resampled to 4 kHz) with the classical
envelope-autocorrelation estimator.

Options:
  --tsv <file>     CirCor segmentation: analyse the protocol windows (annotated runs only) and
                   compare with their reference HR (S1 onsets); prints MAE and friends
  --json           print one JSON object instead of the table
  --hop <s>        seconds between window starts (default 1)
  --window <s>     window length in seconds (default 5; the protocol and estimator use 5)`

function positiveSeconds(name: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new CliUsageError(`--${name} must be a positive number of seconds, got '${text}'`)
  return value
}

const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits))

function table(analysis: RecordingAnalysis): string {
  const withReference = analysis.tsvPath !== null
  const lines: string[] = []
  lines.push(`${analysis.wavPath}: ${analysis.durationS.toFixed(2)} s at ${analysis.sourceRateHz} Hz${analysis.sourceRateHz !== analysis.analysisRateHz ? ` (resampled to ${analysis.analysisRateHz} Hz)` : ''}`)
  lines.push(`${analysis.windows.length} windows of ${analysis.windowS} s every ${analysis.hopS} s${withReference ? ` inside the annotated runs of ${analysis.tsvPath}` : ''}`)
  lines.push('')
  lines.push(['start s', 'HR bpm', 'quality', ...(withReference ? ['ref bpm', 'err bpm'] : [])].map((h) => h.padStart(8)).join(' '))
  for (const w of analysis.windows) {
    const cells = [fixed(w.startS, 2), fixed(w.hrBpm, 1), fixed(w.quality, 2)]
    if (withReference) cells.push(fixed(w.referenceBpm, 1), w.errorBpm === null || w.errorBpm === undefined ? '–' : `${w.errorBpm >= 0 ? '+' : ''}${w.errorBpm.toFixed(1)}`)
    lines.push(cells.map((c) => c.padStart(8)).join(' '))
  }
  lines.push('')
  lines.push(`median HR: ${fixed(analysis.medianHrBpm, 1)} bpm; reliable HR in ${analysis.reliableShare === null ? '–' : `${(100 * analysis.reliableShare).toFixed(0)} %`} of windows`)
  const m = analysis.metrics
  if (m !== null) {
    lines.push(
      m.count === 0
        ? `no window with both a reference and an estimate (${m.declinedCount} declined)`
        : `vs reference (${m.count} windows${m.declinedCount > 0 ? `, ${m.declinedCount} declined` : ''}): MAE ${m.maeBpm.toFixed(2)} bpm, median AE ${m.medianAbsErrorBpm.toFixed(2)} bpm, within 5 bpm ${(100 * m.within5BpmShare).toFixed(1)} %, RMSE ${m.rmseBpm.toFixed(2)} bpm`,
    )
  }
  return lines.join('\n') + '\n'
}

/** JSON has no NaN: undefined metrics become null. */
function toJson(analysis: RecordingAnalysis): string {
  return JSON.stringify(analysis, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))
}

export const command: CliCommand = {
  summary: 'classical heart rate per window of a WAV (and errors vs a CirCor .tsv)',
  usage,
  async run(argv) {
    let parsed
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          tsv: { type: 'string' },
          json: { type: 'boolean', default: false },
          hop: { type: 'string', default: '1' },
          window: { type: 'string', default: '5' },
        },
      })
    } catch (error) {
      throw new CliUsageError(error instanceof Error ? error.message : String(error))
    }
    const { values, positionals } = parsed
    if (positionals.length !== 1) throw new CliUsageError(positionals.length === 0 ? 'missing <file.wav>' : `expected one <file.wav>, got ${positionals.length}: ${positionals.join(' ')}`)
    const hopS = positiveSeconds('hop', values.hop)
    const windowS = positiveSeconds('window', values.window)
    // Below ~2 s a window holds too few beats for an autocorrelation at 60 bpm.
    if (windowS < 2) throw new CliUsageError(`--window must be at least 2 s (two beats at 60 bpm), got ${windowS}`)
    const analysis = analyzeRecording(positionals[0] as string, { tsvPath: values.tsv, windowS, hopS })
    for (const problem of analysis.tsvProblems) process.stderr.write(`ausculta analyze: warning: ${problem.reason} (treated as unannotated)\n`)
    process.stdout.write(values.json ? toJson(analysis) + '\n' : table(analysis))
    return 0
  },
}
