/**
 * Streams every recording of a CirCor-format folder through the window analysis and the display
 * decision, as the live screen would have seen it, and keeps each window's evidence with its
 * truth: a reference HR (a labelled protocol window), "no heart" (a recording of the robustness
 * suite without heart sound, or a window wholly after a lifted chestpiece) or unknown.
 * The display calibration (scripts/calibrate-display.ts) re-decides these streams under other
 * settings; the robustness runner scores them.
 */
import { labelledWindows, protocolWindows } from '../../core/circor/protocol-windows'
import { AuscultaError } from '../../core/errors'
import type { HrDecision, WindowEvidence } from '../../core/hr/hr-decision'
import type { HrEstimate } from '../../core/model/hr-distribution'
import { analyseStream } from '../analysis/stream-analysis'
import { scanCircorFolder, type CircorRecording, type CircorSkip } from '../data/circor-folder'
import { windowEvidence } from '../engine/display-decision'
import type { EncoderModel } from '../model/encoder-model'
import { readRecordingInput } from './recording-input'

export type WindowTruth = { kind: 'hr'; bpm: number } | { kind: 'no-heart' } | { kind: 'unknown' }

/**
 * What the folder holds: heart recordings with their segmentation, recordings with no heart sound, or hearts whose
 * chestpiece is lifted after the last annotated row.
 */
export type FolderKind = 'heart' | 'no-heart' | 'lifted'

export interface CollectedWindow {
  recordingId: string
  patientId: string
  location: string
  ageGroup: string | null
  startS: number
  truth: WindowTruth
  evidence: WindowEvidence
  production: HrEstimate | null
  decision: HrDecision
}

/** One stream pass (windows in order); a recording whose runs start at different phases has several. */
export interface CollectedStream {
  recordingId: string
  windows: CollectedWindow[]
}

export interface CollectOptions {
  model: EncoderModel | null
  kind: FolderKind
  patientIds?: ReadonlySet<string>
}

async function collectRecording(recording: CircorRecording, options: CollectOptions): Promise<CollectedStream[]> {
  const { rateHz, windowS, windowSamples, hopSamples, samples, rows } = readRecordingInput(recording, options.model)
  const labelled = labelledWindows(protocolWindows(rows, samples.length / rateHz, { windowS }))
  const references = new Map<number, number>()
  for (const window of labelled) references.set(Math.round(window.startS * rateHz), window.hrBpm)
  const annotatedEndS = rows.filter((row) => row.label >= 1).reduce((end, row) => Math.max(end, row.endS), 0)
  const phases = new Set([...references.keys()].map((start) => start % hopSamples))
  if (phases.size === 0) phases.add(0)

  const truthAt = (startSample: number): WindowTruth => {
    const bpm = references.get(startSample) ?? references.get(startSample - 1) ?? references.get(startSample + 1)
    if (bpm !== undefined) return { kind: 'hr', bpm }
    if (options.kind === 'no-heart') return { kind: 'no-heart' }
    if (options.kind === 'lifted' && startSample / rateHz >= annotatedEndS) return { kind: 'no-heart' }
    return { kind: 'unknown' }
  }
  const streams: CollectedStream[] = []
  for (const phase of phases) {
    const windows = await analyseStream(samples, rateHz, options.model, { windowSamples, hopSamples, firstSample: phase })
    streams.push({
      recordingId: recording.recordingId,
      windows: windows.map((window) => ({
        recordingId: recording.recordingId,
        patientId: recording.patientId,
        location: recording.location,
        ageGroup: recording.patient.ageGroup,
        startS: window.startS,
        truth: truthAt(window.startSample),
        evidence: windowEvidence(window.analysis),
        production: window.analysis.production,
        decision: window.decision,
      })),
    })
  }
  return streams
}

export async function collectFolderStreams(
  folder: string,
  options: CollectOptions,
): Promise<{ streams: CollectedStream[]; skipped: CircorSkip[] }> {
  const scan = scanCircorFolder(folder)
  const streams: CollectedStream[] = []
  const skipped: CircorSkip[] = [...scan.skipped]
  for (const recording of scan.recordings) {
    if (options.patientIds && !options.patientIds.has(recording.patientId)) continue
    try {
      streams.push(...(await collectRecording(recording, options)))
    } catch (error) {
      if (!(error instanceof AuscultaError)) throw error
      skipped.push({ path: recording.wavPath, reason: `${error.name}: ${error.message}` })
    }
  }
  return { streams, skipped }
}

/** Figures of the displayed HR over collected windows: labelled windows and no-heart windows apart. */
export interface StreamScores {
  labelledWindows: number
  answered: number
  answeredShare: number
  /** Over shown numbers. */
  maeBpm: number
  off5: number
  off10: number
  productionMaeBpm: number
  noHeartWindows: number
  noHeartShown: number
  noHeartShownShare: number
}

export function scoreDecisions(
  windows: ReadonlyArray<{ truth: WindowTruth; decision: Pick<HrDecision, 'hrBpm'>; production: HrEstimate | null }>,
): StreamScores {
  let labelledCount = 0
  let answered = 0
  let sumError = 0
  let off5 = 0
  let off10 = 0
  let productionSum = 0
  let productionCount = 0
  let noHeart = 0
  let noHeartShown = 0
  for (const w of windows) {
    if (w.truth.kind === 'hr') {
      labelledCount++
      if (w.production) {
        productionSum += Math.abs(w.production.hrBpm - w.truth.bpm)
        productionCount++
      }
      if (w.decision.hrBpm !== null) {
        answered++
        const error = Math.abs(w.decision.hrBpm - w.truth.bpm)
        sumError += error
        if (error > 5) off5++
        if (error > 10) off10++
      }
    } else if (w.truth.kind === 'no-heart') {
      noHeart++
      if (w.decision.hrBpm !== null) noHeartShown++
    }
  }
  return {
    labelledWindows: labelledCount,
    answered,
    answeredShare: labelledCount > 0 ? answered / labelledCount : Number.NaN,
    maeBpm: answered > 0 ? sumError / answered : Number.NaN,
    off5,
    off10,
    productionMaeBpm: productionCount > 0 ? productionSum / productionCount : Number.NaN,
    noHeartWindows: noHeart,
    noHeartShown,
    noHeartShownShare: noHeart > 0 ? noHeartShown / noHeart : Number.NaN,
  }
}
