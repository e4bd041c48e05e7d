/**
 * The detected S1/S2 and HR of a whole session, for the library's lanes, the report and the
 * CirCor segmentation an export carries: from what the monitor detected while recording (the
 * trace's per-window onsets, the encoder's segmentation head when a model ran), or — for an
 * imported WAV or a session recorded before the trace held onsets — from the envelope beat
 * detector run over the audio in 5-s windows, as the monitor would have.
 *
 * Detected is not annotated: these never enter annotations.json; a CirCor segmentation built
 * from them goes out under its own name with a note saying so (docs/sessions.md, "Export").
 */
import { detectBeats } from '../hr/beat-detection'
import { estimateHrClassical } from '../hr/classical-hr'
import type { Span } from './annotations'
import type { HrTraceEntry } from './hr-trace'

export type BeatSource = 'recorded' | 'envelope' | 'none'

export interface SessionBeats {
  /** `recorded`: the monitor's detections while recording; `envelope`: the envelope detector over the audio. */
  source: BeatSource
  s1OnsetsS: number[]
  s2OnsetsS: number[]
  /** One point per analysed window (its end), HR null where none was shown. */
  hr: Array<{ timeS: number; hrBpm: number | null }>
}

/** Onsets of neighbouring windows closer than this are one sound (S1 lasts ~100–150 ms; 60 ms is well inside it). */
export const ONSET_MERGE_S = 0.06
const WINDOW_S = 5
const HOP_S = 2.5

/**
 * One onset per sound from overlapping windows' onsets: sorted, grouped while consecutive onsets
 * are within `toleranceS`, each group's median.
 */
export function mergeOnsets(lists: ReadonlyArray<readonly number[]>, toleranceS = ONSET_MERGE_S): number[] {
  const all = lists
    .flat()
    .filter(Number.isFinite)
    .sort((a, b) => a - b)
  const merged: number[] = []
  let group: number[] = []
  const flush = (): void => {
    if (group.length > 0) merged.push(group[group.length >> 1] as number)
    group = []
  }
  for (const t of all) {
    if (group.length > 0 && t - (group[group.length - 1] as number) > toleranceS) flush()
    group.push(t)
  }
  flush()
  return merged
}

/** From the trace: the onsets each window reported (recording seconds) and its HR. */
export function beatsFromTrace(entries: readonly HrTraceEntry[]): SessionBeats {
  const withOnsets = entries.filter((e) => e.s1OnsetsS !== undefined || e.s2OnsetsS !== undefined)
  return {
    source: withOnsets.length > 0 ? 'recorded' : 'none',
    s1OnsetsS: mergeOnsets(withOnsets.map((e) => e.s1OnsetsS ?? [])),
    s2OnsetsS: mergeOnsets(withOnsets.map((e) => e.s2OnsetsS ?? [])),
    hr: entries.map((e) => ({ timeS: e.timeS, hrBpm: e.hrBpm })),
  }
}

/** The envelope detector and the classical HR over `samples` in 5-s windows every 2.5 s. */
export function beatsFromAudio(samples: Float32Array, sampleRateHz: number): SessionBeats {
  const windowSamples = Math.round(WINDOW_S * sampleRateHz)
  const hopSamples = Math.round(HOP_S * sampleRateHz)
  const s1: number[][] = []
  const s2: number[][] = []
  const hr: SessionBeats['hr'] = []
  // A recording shorter than a window is analysed as one window.
  const last = Math.max(0, samples.length - windowSamples)
  for (let start = 0; start <= last; start += hopSamples) {
    const window = samples.subarray(start, Math.min(samples.length, start + windowSamples))
    const offsetS = start / sampleRateHz
    const beats = detectBeats(window, sampleRateHz)
    s1.push(beats.s1OnsetsS.map((t) => t + offsetS))
    s2.push(beats.s2OnsetsS.map((t) => t + offsetS))
    const classical = estimateHrClassical(window, sampleRateHz)
    hr.push({ timeS: offsetS + window.length / sampleRateHz, hrBpm: classical.hrBpm })
  }
  return { source: 'envelope', s1OnsetsS: mergeOnsets(s1), s2OnsetsS: mergeOnsets(s2), hr }
}

/** Typical sound lengths (Springer's segmentation priors: S1 ~ 120 ms, S2 ~ 100 ms); never more than half the gap to the next sound. */
export const S1_DURATION_S = 0.12
export const S2_DURATION_S = 0.1

/**
 * The S1 / systole / S2 / diastole spans CirCor's .tsv holds, from onsets alone: each sound
 * lasts its typical length (cut at half the way to the next sound); systole runs from S1's end
 * to S2, diastole from S2's end to the next S1. A sound without its partner (a missed S2) gets
 * its own span and no systole/diastole. Ids `d1…`; every note says "detected".
 */
export function segmentationFromOnsets(s1OnsetsS: readonly number[], s2OnsetsS: readonly number[], note = 'detected'): Span[] {
  const events = [...s1OnsetsS.map((t) => ({ t, kind: 'S1' as const })), ...s2OnsetsS.map((t) => ({ t, kind: 'S2' as const }))].sort(
    (a, b) => a.t - b.t,
  )
  const spans: Span[] = []
  const push = (spanKind: Span['spanKind'], startS: number, endS: number): void => {
    if (endS > startS) spans.push({ kind: 'span', id: `d${spans.length + 1}`, spanKind, startS, endS, label: spanKind, note })
  }
  events.forEach((event, i) => {
    const next = events[i + 1]
    const typical = event.kind === 'S1' ? S1_DURATION_S : S2_DURATION_S
    const end = next === undefined ? event.t + typical : Math.min(event.t + typical, event.t + (next.t - event.t) / 2)
    push(event.kind, event.t, end)
    if (next === undefined) return
    if (event.kind === 'S1' && next.kind === 'S2') push('systole', end, next.t)
    if (event.kind === 'S2' && next.kind === 'S1') push('diastole', end, next.t)
  })
  return spans
}
