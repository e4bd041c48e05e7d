/**
 * Everything the engine computes for one window, in one place: the encoder (production head and
 * every layer), the classical estimator, and signal quality. Runs inside the inference worker.
 */
import { performance } from 'node:perf_hooks'
import { inputLevel, signalQualityFlags } from '../../core/dsp/signal-quality'
import { detectBeats } from '../../core/hr/beat-detection'
import { estimateHrClassical } from '../../core/hr/classical-hr'
import type { EncoderModel } from '../model/encoder-model'
import type { WindowAnalysis } from './inference-protocol'

export async function analyseWindow(window: Float32Array, sampleRateHz: number, model: EncoderModel | null): Promise<WindowAnalysis> {
  const started = performance.now()
  const level = inputLevel(window)
  const flags = signalQualityFlags(window, sampleRateHz, level)
  const classical = estimateHrClassical(window, sampleRateHz)
  const beats = detectBeats(window, sampleRateHz)
  let production: WindowAnalysis['production'] = null
  let layers: WindowAnalysis['layers'] = []
  let embedding: Float32Array | null = null
  if (model) {
    const outputs = await model.run([window])
    production = outputs.production[0] ?? null
    layers = outputs.layers[0] ?? []
    embedding = outputs.embeddings[0] ?? null
  }
  return {
    production,
    layers,
    embedding,
    classical: { hrBpm: classical.hrBpm, quality: classical.quality },
    level,
    flags,
    modelId: model ? `${model.card.id}@${model.card.version}` : null,
    beats: {
      s1OnsetsS: beats.s1OnsetsS,
      s2OnsetsS: beats.s2OnsetsS,
      intervalsS: beats.intervalsS,
      // NaN does not survive JSON (the renderer transport): null instead.
      irregularity: Number.isFinite(beats.irregularity) ? beats.irregularity : null,
      irregular: beats.irregular,
    },
    inferenceMs: performance.now() - started,
  }
}
