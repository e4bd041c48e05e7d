/**
 * What `ausculta analyze` computes, apart from its printing: every window of a recording as the
 * live screen would have shown it had the file been streamed from its start (the encoder by
 * default, or the classical estimator alone), with the production, classical and beat figures;
 * with a CirCor segmentation, the protocol windows' reference HRs, errors and metrics.
 * Plain Node (file reading); the DSP and the display decision are in src/core.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { protocolWindows, PROTOCOL_HOP_S, PROTOCOL_WINDOW_S } from '../../core/circor/protocol-windows'
import { parseSegmentationTsv, type SegmentationProblem } from '../../core/circor/segmentation-tsv'
import { resample } from '../../core/dsp/resample'
import type { DecisionCode } from '../../core/hr/hr-decision'
import { hrMetrics, type HrMetrics } from '../../core/metrics/hr-metrics'
import type { DisplayState } from '../../core/monitor/monitor-events'
import { fileErrorFrom } from '../io/file-errors'
import { readWavMono } from '../io/wav-file'
import type { EncoderModel } from '../model/encoder-model'
import { analyseStream, analyseStreamAt, type StreamWindow } from './stream-analysis'

/** The classical estimator's (and the protocol's) rate: CirCor's 4 kHz; a model's card may say otherwise. */
export const ANALYSIS_RATE_HZ = 4000

export interface AnalyzedWindow {
  readonly startS: number
  /** What the screen would show; null = no reliable HR (see `reason`). */
  readonly hrBpm: number | null
  readonly state: DisplayState
  readonly code: DecisionCode
  readonly reason: string | null
  /** Calibrated probability that the window's estimate is within 5 bpm. */
  readonly confidence: number
  readonly productionBpm: number | null
  /** The production head's raw mass within ±5 bpm (uncalibrated). */
  readonly productionMass5: number | null
  readonly noHrProb: number | null
  readonly classicalBpm: number | null
  readonly classicalQuality: number
  /** HR from the S1 onsets the segmentation head found (null below 3 onsets or without the head). */
  readonly beatsBpm: number | null
  readonly s1Count: number | null
  /** With a segmentation: the protocol label (null: fewer than 3 S1 onsets). */
  readonly referenceBpm?: number | null
  /** shown − reference, when both exist. */
  readonly errorBpm?: number | null
}

export interface RecordingAnalysis {
  readonly wavPath: string
  readonly tsvPath: string | null
  readonly estimator: 'model' | 'classical'
  readonly modelId: string | null
  readonly sourceRateHz: number
  readonly analysisRateHz: number
  readonly durationS: number
  readonly windowS: number
  readonly hopS: number
  readonly windows: readonly AnalyzedWindow[]
  /** Median of the shown HRs; null when none was shown. */
  readonly medianHrBpm: number | null
  /** Share of windows with a shown HR; null without windows. */
  readonly reliableShare: number | null
  /** With a segmentation: the shown HR against the reference (windows without a number count as declined). */
  readonly metrics: HrMetrics | null
  readonly productionMetrics: HrMetrics | null
  readonly classicalMetrics: HrMetrics | null
  readonly tsvProblems: readonly SegmentationProblem[]
}

export interface AnalyzeOptions {
  tsvPath?: string
  /** null: the classical estimator alone. */
  model: EncoderModel | null
  windowS?: number
  hopS?: number
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function toWindow(window: StreamWindow, reference?: number | null): AnalyzedWindow {
  const { analysis, decision } = window
  const base = {
    startS: window.startS,
    hrBpm: decision.hrBpm,
    state: decision.state,
    code: decision.code,
    reason: decision.hrBpm === null ? (decision.reason ?? null) : null,
    confidence: decision.confidence,
    productionBpm: analysis.production?.hrBpm ?? null,
    productionMass5: analysis.production?.confidence ?? null,
    noHrProb: analysis.noHrProb,
    classicalBpm: analysis.classical.hrBpm,
    classicalQuality: analysis.classical.quality,
    beatsBpm: decision.beatsBpm,
    s1Count: analysis.beats?.source === 'segmentation' ? analysis.beats.s1OnsetsS.length : null,
  }
  if (reference === undefined) return base
  return { ...base, referenceBpm: reference, errorBpm: reference !== null && decision.hrBpm !== null ? decision.hrBpm - reference : null }
}

export async function analyzeRecording(wavPath: string, options: AnalyzeOptions): Promise<RecordingAnalysis> {
  const model = options.model
  const rateHz = model?.card.input.sampleRateHz ?? ANALYSIS_RATE_HZ
  const windowS = options.windowS ?? model?.card.input.windowSeconds ?? PROTOCOL_WINDOW_S
  const hopS = options.hopS ?? PROTOCOL_HOP_S
  const tsvPath = options.tsvPath ?? null
  // Read the segmentation first: a bad tsv path should fail before seconds of DSP.
  let tsvText: Uint8Array | null = null
  if (tsvPath !== null) {
    try {
      tsvText = readFileSync(tsvPath)
    } catch (error) {
      throw fileErrorFrom(error, tsvPath, 'read')
    }
  }
  const wav = readWavMono(wavPath)
  const samples = wav.sampleRateHz === rateHz ? wav.samples : resample(wav.samples, wav.sampleRateHz, rateHz)
  const durationS = wav.samples.length / wav.sampleRateHz
  const windowSamples = Math.round(windowS * rateHz)
  const hopSamples = Math.max(1, Math.round(hopS * rateHz))

  let windows: AnalyzedWindow[]
  let tsvProblems: readonly SegmentationProblem[] = []
  if (tsvText !== null) {
    const segmentation = parseSegmentationTsv(tsvText, basename(tsvPath as string))
    tsvProblems = segmentation.problems
    const protocol = protocolWindows(segmentation.rows, samples.length / rateHz, { windowS, hopS })
    const starts = protocol.map((w) => Math.round(w.startS * rateHz))
    const streamed = await analyseStreamAt(samples, rateHz, model, starts, { windowSamples, hopSamples })
    windows = protocol.flatMap((w, i) => {
      const window = streamed.get(starts[i] as number)
      return window ? [toWindow({ ...window, startS: w.startS }, w.hrBpm)] : []
    })
  } else {
    windows = (await analyseStream(samples, rateHz, model, { windowSamples, hopSamples })).map((window) => toWindow(window))
  }
  const shown = windows.flatMap((w) => (w.hrBpm === null ? [] : [w.hrBpm]))
  const referenced = windows.filter(
    (w): w is AnalyzedWindow & { referenceBpm: number } => w.referenceBpm !== null && w.referenceBpm !== undefined,
  )
  const metricsOf = (pick: (w: AnalyzedWindow) => number | null): HrMetrics | null =>
    tsvPath === null ? null : hrMetrics(referenced.map((w) => ({ referenceBpm: w.referenceBpm, estimatedBpm: pick(w) })))
  return {
    wavPath,
    tsvPath,
    estimator: model ? 'model' : 'classical',
    modelId: model ? `${model.card.id}@${model.card.version}` : null,
    sourceRateHz: wav.sampleRateHz,
    analysisRateHz: rateHz,
    durationS,
    windowS,
    hopS,
    windows,
    medianHrBpm: median(shown),
    reliableShare: windows.length === 0 ? null : shown.length / windows.length,
    metrics: metricsOf((w) => w.hrBpm),
    productionMetrics: model ? metricsOf((w) => w.productionBpm) : null,
    classicalMetrics: metricsOf((w) => w.classicalBpm),
    tsvProblems,
  }
}
