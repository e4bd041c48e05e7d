/**
 * A recording analysed as the live monitor would have analysed it had it been streamed from its
 * first sample: 5-s windows every hop, each through the same window analysis as the inference
 * worker (`analyseWindow`) and the same display decision, in order. `ausculta analyze` and
 * `ausculta eval` use it so that their "displayed" HR is the live screen's.
 */
import type { HrDecision } from '../../core/hr/hr-decision'
import { analyseWindow } from '../engine/window-analysis'
import { deciderFor, windowEvidence } from '../engine/display-decision'
import type { WindowAnalysis } from '../engine/inference-protocol'
import type { EncoderModel } from '../model/encoder-model'

export interface StreamWindow {
  /** First sample of the window (at the analysis rate) and its time in seconds. */
  startSample: number
  startS: number
  analysis: WindowAnalysis
  decision: HrDecision
}

export interface StreamOptions {
  windowSamples: number
  hopSamples: number
  /** First window's start sample (default 0: the stream's start). */
  firstSample?: number
}

/** `samples` are at `rateHz` (the model's rate). Windows that do not fit wholly are not analysed. */
export async function analyseStream(
  samples: Float32Array,
  rateHz: number,
  model: EncoderModel | null,
  options: StreamOptions,
): Promise<StreamWindow[]> {
  const decider = deciderFor(model?.card ?? null)
  const out: StreamWindow[] = []
  for (let start = options.firstSample ?? 0; start + options.windowSamples <= samples.length; start += options.hopSamples) {
    const analysis = await analyseWindow(samples.subarray(start, start + options.windowSamples), rateHz, model)
    out.push({ startSample: start, startS: start / rateHz, analysis, decision: decider.decide(windowEvidence(analysis)) })
  }
  return out
}

/**
 * The stream windows that start at `startSamples` (e.g. a recording's protocol windows), each as the
 * live screen would have seen it: one stream pass per phase (start modulo the hop), every window of
 * that pass from the phase on included, so the display decision has the history a live stream has.
 * Keys are start samples; a start is found within ±1 sample (protocol starts are rounded seconds).
 */
export async function analyseStreamAt(
  samples: Float32Array,
  rateHz: number,
  model: EncoderModel | null,
  startSamples: readonly number[],
  options: Omit<StreamOptions, 'firstSample'>,
): Promise<Map<number, StreamWindow>> {
  const hop = options.hopSamples
  const phases = new Set(startSamples.map((start) => ((start % hop) + hop) % hop))
  const byStart = new Map<number, StreamWindow>()
  for (const phase of phases) {
    for (const window of await analyseStream(samples, rateHz, model, { ...options, firstSample: phase }))
      byStart.set(window.startSample, window)
  }
  const found = new Map<number, StreamWindow>()
  for (const start of startSamples) {
    const window = byStart.get(start) ?? byStart.get(start - 1) ?? byStart.get(start + 1)
    if (window) found.set(start, window)
  }
  return found
}
