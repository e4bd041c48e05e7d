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
import { estimateHrClassical } from '../../core/hr/classical-hr'
import { detectBeats } from '../../core/hr/beat-detection'
import { beatsFromSegmentation } from '../../core/hr/segmentation-beats'
import { matchOnsets } from '../../core/eval/onset-scoring'
import { TIME_EPSILON_S } from '../../core/circor/segmentation-tsv'
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

interface WindowReferences {
  s1: readonly number[]
  s2: readonly number[]
  inWindow: (timeS: number) => boolean
}

/** Matches a detector's onsets (seconds from the window start) against the window's annotated ones. */
function scoreWindowOnsets(beats: { s1OnsetsS: number[]; s2OnsetsS: number[] }, windowStartS: number, references: WindowReferences): NonNullable<EvalWindowRecord['onsets']> {
  const shifted = (onsetsS: number[]): number[] => onsetsS.map((t) => t + windowStartS).filter(references.inWindow)
  return { s1: matchOnsets(shifted(beats.s1OnsetsS), references.s1), s2: matchOnsets(shifted(beats.s2OnsetsS), references.s2) }
}

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
  const referencesOf = new Map(windows.map((window) => {
    // Protocol windows lie wholly inside an annotated run, so the S2 rows inside one are its run's.
    const inWindow = (t: number): boolean => t >= window.startS - TIME_EPSILON_S && t < window.startS + windowS - TIME_EPSILON_S
    return [window.startS, { s1: window.s1OnsetsS, s2: s2RowStartsS.filter(inWindow), inWindow }]
  }))
  const records: EvalWindowRecord[] = windows.map((window) => {
    const first = Math.round(window.startS * rateHz)
    const slice = samples.subarray(first, first + windowSamples)
    const classical = estimateHrClassical(slice, rateHz)
    const scoreOnsets = (beats: { s1OnsetsS: number[]; s2OnsetsS: number[] }): NonNullable<EvalWindowRecord['onsets']> => scoreWindowOnsets(beats, window.startS, referencesOf.get(window.startS)!)
    const onsets = scoreOnsets(detectBeats(slice, rateHz))
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
      const inputs = batch.map((record) => {
        const first = Math.round(record.startS * rateHz)
        return samples.slice(first, first + windowSamples)
      })
      const outputs = await model.run(inputs)
      const segmentation = model.card.segmentation
      batch.forEach((record, i) => {
        record.production = outputs.production[i] ?? null
        record.layers = outputs.layers[i] ?? []
        const probs = outputs.segmentation?.[i]
        if (probs && segmentation) {
          const beats = beatsFromSegmentation(probs, segmentation.frames, segmentation.frameSeconds)
          record.modelOnsets = scoreWindowOnsets(beats, record.startS, referencesOf.get(record.startS)!)
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
