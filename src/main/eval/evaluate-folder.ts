/**
 * Runs the protocol windows (docs/hr-protocol.md) of every recording of a CirCor-format folder through
 * the encoder and the classical estimator, and returns one record per labelled window. Unusable
 * recordings are skipped and counted with their reason, never fatal.
 */
import { labelledWindows, protocolWindows } from '../../core/circor/protocol-windows'
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import type { EvalWindowRecord } from '../../core/eval/eval-summary'
import { detectBeats } from '../../core/hr/beat-detection'
import { analyseStreamAt } from '../analysis/stream-analysis'
import { onsetsInside, scoreWindow, type ScoringWindow } from '../../core/eval/beat-window-scoring'
import { ONSET_TOLERANCE_S } from '../../core/eval/onset-scoring'
import { scanCircorFolder, type CircorRecording, type CircorSkip } from '../data/circor-folder'
import type { EncoderModel } from '../model/encoder-model'
import { readRecordingInput } from './recording-input'

export interface EvaluateOptions {
  /** null evaluates the classical estimator alone. */
  model: EncoderModel | null
  /** Only these patients (e.g. a split's test patients). */
  patientIds?: ReadonlySet<string>
  onProgress?: (done: number, total: number, recordingId: string) => void
}

export interface FolderEvaluation {
  records: EvalWindowRecord[]
  skipped: CircorSkip[]
  warnings: string[]
  /** Recordings that were read (with or without labelled windows). */
  recordingsRead: number
  /** Recordings read that had no labelled window (nothing to score). */
  recordingsWithoutWindows: number
}

async function evaluateRecording(recording: CircorRecording, options: EvaluateOptions): Promise<EvalWindowRecord[]> {
  const { rateHz, windowS, windowSamples, hopSamples, samples, rows } = readRecordingInput(recording, options.model)
  const windows = labelledWindows(protocolWindows(rows, samples.length / rateHz, { windowS }))
  if (windows.length === 0) return []
  const s2RowStartsS = rows.filter((row) => row.label === 3).map((row) => row.startS)

  // Every protocol window is scored as the live screen would have shown it had the recording been
  // streamed from its start (a run starting at 0.37 s has its windows at 0.37 + k s: that stream).
  const streamed = await analyseStreamAt(
    samples,
    rateHz,
    options.model,
    windows.map((window) => Math.round(window.startS * rateHz)),
    { windowSamples, hopSamples },
  )

  return windows.map((window) => {
    const first = Math.round(window.startS * rateHz)
    const slice = samples.subarray(first, first + windowSamples)
    const scoring: ScoringWindow = {
      startS: window.startS,
      samples: slice,
      s1ReferenceS: window.s1OnsetsS,
      s2ReferenceS: onsetsInside(s2RowStartsS, window.startS, windowS),
    }
    const stream = streamed.get(first)
    if (!stream)
      throw new InvalidArgumentError(`${recording.recordingId}: no streamed window at ${window.startS} s (internal: phase bookkeeping)`)
    const { analysis, decision } = stream
    // The envelope detector is scored on every window (it is the fallback without a model); the
    // window analysis runs it only when the model has no segmentation head.
    const envelopeBeats = analysis.beats?.source === 'envelope' ? analysis.beats : detectBeats(slice, rateHz)
    const record: EvalWindowRecord = {
      recordingId: recording.recordingId,
      patientId: recording.patientId,
      location: recording.location,
      ageGroup: recording.patient.ageGroup,
      murmur: recording.patient.murmur,
      startS: window.startS,
      referenceBpm: window.hrBpm,
      production: analysis.production,
      layers: analysis.layers,
      classical: analysis.classical,
      onsets: scoreWindow(scoring, envelopeBeats, ONSET_TOLERANCE_S, windowS),
      noHrProb: analysis.noHrProb,
      displayed: { hrBpm: decision.hrBpm, code: decision.code, confidence: decision.confidence },
    }
    if (analysis.beats?.source === 'segmentation') record.modelOnsets = scoreWindow(scoring, analysis.beats, ONSET_TOLERANCE_S, windowS)
    return record
  })
}

export async function evaluateFolder(folder: string, options: EvaluateOptions): Promise<FolderEvaluation> {
  const scan = scanCircorFolder(folder)
  const recordings = scan.recordings.filter((recording) => !options.patientIds || options.patientIds.has(recording.patientId))
  const records: EvalWindowRecord[] = []
  const skipped: CircorSkip[] = [...scan.skipped]
  let recordingsRead = 0
  let recordingsWithoutWindows = 0
  for (const [index, recording] of recordings.entries()) {
    try {
      const windows = await evaluateRecording(recording, options)
      recordingsRead++
      if (windows.length === 0) recordingsWithoutWindows++
      records.push(...windows)
    } catch (error) {
      if (!(error instanceof AuscultaError)) throw error
      skipped.push({ path: recording.wavPath, reason: `${error.name}: ${error.message}` })
    }
    options.onProgress?.(index + 1, recordings.length, recording.recordingId)
  }
  return { records, skipped, warnings: [...scan.warnings], recordingsRead, recordingsWithoutWindows }
}
