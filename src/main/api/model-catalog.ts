/** The models the app offers (ONNX files in its models folder) and the summary of the loaded one's card. */
import { existsSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { ModelSummary } from '../../core/api/contract'
import type { ModelCard } from '../../core/model/model-card'

export interface ModelFile {
  path: string
  name: string
  hasCard: boolean
}

/** `<name>.onnx` files in `modelsDir`, sorted, each with whether its `<name>.card.json` is beside it. */
export function listModels(modelsDir: string): ModelFile[] {
  if (!existsSync(modelsDir)) return []
  return readdirSync(modelsDir)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((f) => {
      const path = join(modelsDir, f)
      return { path, name: basename(f, '.onnx'), hasCard: existsSync(path.replace(/\.onnx$/, '.card.json')) }
    })
}

type Metrics = { maeBpm: number; medianAbsErrorBpm: number; within5BpmShare: number }

const metrics = (m: Metrics): Metrics => ({
  maeBpm: m.maeBpm,
  medianAbsErrorBpm: m.medianAbsErrorBpm,
  within5BpmShare: m.within5BpmShare,
})

/** What the model panel shows of a card (null: no model loaded). Pure. */
export function modelSummary(card: ModelCard | null, path: string | null): ModelSummary | null {
  if (!card) return null
  const classical = (card as { classical?: { validation?: Metrics } }).classical?.validation
  return {
    id: card.id,
    version: card.version,
    path: path ?? '',
    sampleRateHz: card.input.sampleRateHz,
    windowSeconds: card.input.windowSeconds,
    layers: card.layers.map((l) => ({ index: l.index, name: l.name, width: l.width, validation: metrics(l.validation) })),
    production: metrics(card.production.validation),
    classical: classical ? metrics(classical) : null,
    trainingDataset: card.training.dataset,
    attribution: card.training.attribution,
  }
}
