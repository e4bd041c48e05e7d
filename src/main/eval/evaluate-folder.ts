/**
 * Runs the protocol windows (DESIGN.md §1) of every recording of a CirCor-format folder through
 * the encoder and the classical estimator, and returns one record per labelled window. Unusable
 * recordings are skipped and counted with their reason, never fatal.
 */
import { readFileSync } from 'node:fs'
import { parseSegmentationTsv } from '../../core/circor/segmentation-tsv'
import { labelledWindows, protocolWindows } from '../../core/circor/protocol-windows'
import { resample } from '../../core/dsp/resample'
import { AuscultaError } from '../../core/errors'
import type { EvalWindowRecord } from '../../core/eval/eval-summary'
import { DEFAULT_MIN_BPM, envelopeAutocorrelation, hrFromEnvelopeAutocorrelation } from '../../core/hr/classical-hr'
import { detectBeats } from '../../core/hr/beat-detection'
import { beatsFromSegmentation } from '../../core/hr/segmentation-beats'
import { onsetsInside, scoreWindow, type ScoringWindow } from '../../core/eval/beat-window-scoring'
import { ONSET_TOLERANCE_S } from '../../core/eval/onset-scoring'
import { scanCircorFolder, type CircorRecording, type CircorSkip } from '../data/circor-folder'
import { readWavMono } from '../io/wav-file'
import type { EncoderModel } from '../model/encoder-model'

export interface EvaluateOptions {
  /** null evaluates the classical estimator alone. */
  model: EncoderModel | null
  /** Only these patients (e.g. a split's test patients). */
  patientIds?: ReadonlySet<string>
  /** Windows per inference call. */
  batchSize?: number
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

const DEFAULT_RATE_HZ = 4000
const DEFAULT_WINDOW_S = 5

async function evaluateRecording(recording: CircorRecording, options: EvaluateOptions): Promise<EvalWindowRecord[]> {
  const card = options.model?.card
  const rateHz = card?.input.sampleRateHz ?? DEFAULT_RATE_HZ
  const windowS = card?.input.windowSeconds ?? DEFAULT_WINDOW_S
  const windowSamples = Math.round(windowS * rateHz)
  const audio = readWavMono(recording.wavPath)
  const samples = audio.sampleRateHz === rateHz ? audio.samples : resample(audio.samples, audio.sampleRateHz, rateHz)
  const segmentation = parseSegmentationTsv(readFileSync(recording.tsvPath), recording.tsvPath)
  const windows = labelledWindows(protocolWindows(segmentation.rows, samples.length / rateHz, { windowS }))
  const s2RowStartsS = segmentation.rows.filter((row) => row.label === 3).map((row) => row.startS)
  const scoring: ScoringWindow[] = windows.map((window) => {
    const first = Math.round(window.startS * rateHz)
    // Protocol windows lie wholly inside an annotated run, so the S2 rows inside one are its run's.
    return { startS: window.startS, samples: samples.subarray(first, first + windowSamples), s1ReferenceS: window.s1OnsetsS, s2ReferenceS: onsetsInside(s2RowStartsS, window.startS, windowS) }
  })
  const records: EvalWindowRecord[] = windows.map((window, k) => {
    const slice = scoring[k]!.samples
    // One envelope autocorrelation for the classical estimator and the envelope beat detector.
    const envelopeAcf = envelopeAutocorrelation(slice, rateHz, 60 / DEFAULT_MIN_BPM)
    const classical = hrFromEnvelopeAutocorrelation(envelopeAcf, slice.length, rateHz)
    const onsets = scoreWindow(scoring[k]!, detectBeats(slice, rateHz, undefined, envelopeAcf), ONSET_TOLERANCE_S, windowS)
    return {
      recordingId: recording.recordingId,
      patientId: recording.patientId,
      location: recording.location,
      ageGroup: recording.patient.ageGroup,
      murmur: recording.patient.murmur,
      startS: window.startS,
      referenceBpm: window.hrBpm,
      production: null,
      layers: [],
      classical: { hrBpm: classical.hrBpm, quality: classical.quality },
      onsets,
    }
  })
  const model = options.model
  if (model) {
    const batchSize = options.batchSize ?? 32
    for (let offset = 0; offset < records.length; offset += batchSize) {
      const batch = records.slice(offset, offset + batchSize)
      const outputs = await model.run(scoring.slice(offset, offset + batchSize).map((window) => window.samples))
      const segmentation = model.card.segmentation
      batch.forEach((record, i) => {
        record.production = outputs.production[i] ?? null
        record.layers = outputs.layers[i] ?? []
        const probs = outputs.segmentation?.[i]
        if (probs && segmentation) {
          const beats = beatsFromSegmentation(probs, segmentation.frames, segmentation.frameSeconds)
          record.modelOnsets = scoreWindow(scoring[offset + i]!, beats, ONSET_TOLERANCE_S, windowS)
        }
      })
    }
  }
  return records
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
