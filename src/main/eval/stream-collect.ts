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

type ScoredWindow = { truth: WindowTruth; decision: Pick<HrDecision, 'hrBpm'>; production: HrEstimate | null }

function meanOrNaN(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((sum, v) => sum + v, 0) / values.length : Number.NaN
}

export function scoreDecisions(windows: ReadonlyArray<ScoredWindow>): StreamScores {
  const labelled = windows.flatMap((w) => (w.truth.kind === 'hr' ? [{ ...w, bpm: w.truth.bpm }] : []))
  const shownErrors = labelled.flatMap((w) => (w.decision.hrBpm === null ? [] : [Math.abs(w.decision.hrBpm - w.bpm)]))
  const productionErrors = labelled.flatMap((w) => (w.production ? [Math.abs(w.production.hrBpm - w.bpm)] : []))
  const noHeart = windows.filter((w) => w.truth.kind === 'no-heart')
  const noHeartShown = noHeart.filter((w) => w.decision.hrBpm !== null).length
  return {
    labelledWindows: labelled.length,
    answered: shownErrors.length,
    answeredShare: labelled.length > 0 ? shownErrors.length / labelled.length : Number.NaN,
    maeBpm: meanOrNaN(shownErrors),
    off5: shownErrors.filter((e) => e > 5).length,
    off10: shownErrors.filter((e) => e > 10).length,
    productionMaeBpm: meanOrNaN(productionErrors),
    noHeartWindows: noHeart.length,
    noHeartShown,
    noHeartShownShare: noHeart.length > 0 ? noHeartShown / noHeart.length : Number.NaN,
  }
}
