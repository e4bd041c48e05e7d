/**
 * What `ausculta analyze` computes, apart from its printing: the classical HR of every window
 * of a recording, and with a segmentation the protocol windows' reference HRs, errors and
 * metrics. Plain Node (file reading); the DSP is in src/core.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { protocolWindows, PROTOCOL_HOP_S, PROTOCOL_WINDOW_S } from '../../core/circor/protocol-windows'
import { parseSegmentationTsv, TIME_EPSILON_S, type SegmentationProblem } from '../../core/circor/segmentation-tsv'
import { resample } from '../../core/dsp/resample'
import { estimateHrClassical } from '../../core/hr/classical-hr'
import { hrMetrics, type HrMetrics } from '../../core/metrics/hr-metrics'
import { fileErrorFrom } from '../io/file-errors'
import { readWavMono } from '../io/wav-file'

/** The estimator's (and the protocol's) rate: CirCor's 4 kHz. */
export const ANALYSIS_RATE_HZ = 4000

export interface AnalyzedWindow {
  readonly startS: number
  readonly hrBpm: number | null
  readonly quality: number
  /** With a segmentation: the protocol label (null: fewer than 3 S1 onsets). */
  readonly referenceBpm?: number | null
  /** estimate − reference, when both exist. */
  readonly errorBpm?: number | null
}

export interface RecordingAnalysis {
  readonly wavPath: string
  readonly tsvPath: string | null
  readonly sourceRateHz: number
  readonly analysisRateHz: number
  readonly durationS: number
  readonly windowS: number
  readonly hopS: number
  readonly windows: readonly AnalyzedWindow[]
  /** Median of the reported (non-null) HRs; null when there is none. */
  readonly medianHrBpm: number | null
  /** Share of windows with a reported HR; null without windows. */
  readonly reliableShare: number | null
  /** With a segmentation: metrics over the windows that have a reference. */
  readonly metrics: HrMetrics | null
  readonly tsvProblems: readonly SegmentationProblem[]
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function analyzeRecording(wavPath: string, options: { tsvPath?: string; windowS?: number; hopS?: number } = {}): RecordingAnalysis {
  const windowS = options.windowS ?? PROTOCOL_WINDOW_S
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
  const samples = wav.sampleRateHz === ANALYSIS_RATE_HZ ? wav.samples : resample(wav.samples, wav.sampleRateHz, ANALYSIS_RATE_HZ)
  const durationS = wav.samples.length / wav.sampleRateHz
  const windowSamples = Math.round(windowS * ANALYSIS_RATE_HZ)

  let starts: { startS: number; referenceBpm?: number | null }[]
  let tsvProblems: readonly SegmentationProblem[] = []
  if (tsvText !== null) {
    const segmentation = parseSegmentationTsv(tsvText, basename(tsvPath as string))
    tsvProblems = segmentation.problems
    starts = protocolWindows(segmentation.rows, durationS, { windowS, hopS }).map((w) => ({ startS: w.startS, referenceBpm: w.hrBpm }))
  } else {
    starts = []
    for (let k = 0; k * hopS + windowS <= durationS + TIME_EPSILON_S; k++) starts.push({ startS: k * hopS })
  }

  const windows: AnalyzedWindow[] = starts.map(({ startS, referenceBpm }) => {
    const first = Math.round(startS * ANALYSIS_RATE_HZ)
    // The last window may lack a sample or two after rounding; the estimator takes any length.
    const estimate = estimateHrClassical(samples.subarray(first, Math.min(samples.length, first + windowSamples)), ANALYSIS_RATE_HZ)
    if (referenceBpm === undefined) return { startS, hrBpm: estimate.hrBpm, quality: estimate.quality }
    const errorBpm = referenceBpm !== null && estimate.hrBpm !== null ? estimate.hrBpm - referenceBpm : null
    return { startS, hrBpm: estimate.hrBpm, quality: estimate.quality, referenceBpm, errorBpm }
  })
  const reported = windows.flatMap((w) => (w.hrBpm === null ? [] : [w.hrBpm]))
  const metrics =
    tsvPath === null
      ? null
      : hrMetrics(windows.flatMap((w) => (w.referenceBpm === null || w.referenceBpm === undefined ? [] : [{ referenceBpm: w.referenceBpm, estimatedBpm: w.hrBpm }])))
  return {
    wavPath,
    tsvPath,
    sourceRateHz: wav.sampleRateHz,
    analysisRateHz: ANALYSIS_RATE_HZ,
    durationS,
    windowS,
    hopS,
    windows,
    medianHrBpm: median(reported),
    reliableShare: windows.length === 0 ? null : reported.length / windows.length,
    metrics,
    tsvProblems,
  }
}
