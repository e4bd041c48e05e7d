/** Messages between the monitor (main thread) and the inference worker. Plain structured-clone data. */
import type { HrEstimate } from '../../core/model/hr-distribution'
import type { ModelCard } from '../../core/model/model-card'
import type { InputLevel, SignalQualityFlag } from '../../core/monitor/monitor-events'
import type { ExecutionProviderChoice, ProviderAttempt } from '../model/execution-providers'

export type WorkerRequest =
  | { type: 'load'; requestId: number; onnxPath: string; executionProvider: ExecutionProviderChoice }
  | { type: 'infer'; requestId: number; window: Float32Array; sampleRateHz: number }
  | { type: 'configure'; requestId: number; artificialDelayMs: number }

export interface LoadedModelInfo {
  card: ModelCard
  provider: string
  attempts: ProviderAttempt[]
}

export interface WindowAnalysis {
  /** Null when no model is loaded. */
  production: HrEstimate | null
  /** The production head's whole distribution over the card's bins (for the display decision); null without a model. */
  productionProbs: Float32Array | null
  /** The model's no-HR probability; null without a model or for models without that output. */
  noHrProb: number | null
  layers: HrEstimate[]
  embedding: Float32Array | null
  classical: { hrBpm: number | null; quality: number }
  level: InputLevel
  flags: SignalQualityFlag[]
  modelId: string | null
  inferenceMs: number
  /** Beat detection; onsets in seconds from the window's first sample. */
  beats?: {
    source: 'segmentation' | 'envelope'
    s1OnsetsS: number[]
    s2OnsetsS: number[]
    intervalsS: number[]
    irregularity: number | null
    irregular: boolean
  }
}

export type WorkerResponse =
  | { type: 'loaded'; requestId: number; info: LoadedModelInfo }
  | { type: 'analysed'; requestId: number; analysis: WindowAnalysis }
  | { type: 'configured'; requestId: number }
  | { type: 'failed'; requestId: number; name: string; message: string }
