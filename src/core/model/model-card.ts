/**
 * The model card: the JSON file beside an ONNX model that says what goes in, what comes out and
 * how well each output did on patients the model never trained on (DESIGN.md §2).
 */
import { z } from 'zod'
import { FormatError } from '../errors'

export class ModelCardError extends FormatError {}

const metricsSchema = z.object({
  maeBpm: z.number(),
  medianAbsErrorBpm: z.number(),
  within5BpmShare: z.number(),
  rmseBpm: z.number(),
  count: z.number().int().nonnegative(),
})

export type CardMetrics = z.infer<typeof metricsSchema>

export const modelCardSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    created: z.string(),
    onnx: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive(), opset: z.number().int() }).loose(),
    input: z.object({
      name: z.string(),
      sampleRateHz: z.number().positive(),
      windowSamples: z.number().int().positive(),
      windowSeconds: z.number().positive(),
      normalisation: z.string(),
    }).loose(),
    outputs: z.object({ hrProbs: z.string(), layerProbs: z.string(), embedding: z.string(), segProbs: z.string().optional() }).loose(),
    /** Present when the graph has a segmentation output: class order and frame timing of `segProbs` ([windows, frames, classes]). */
    segmentation: z
      .object({
        classes: z.tuple([z.literal('S1'), z.literal('systole'), z.literal('S2'), z.literal('diastole')]),
        frameSeconds: z.number().positive(),
        frames: z.number().int().positive(),
      })
      .loose()
      .optional(),
    hrBins: z.object({ minBpm: z.number(), maxBpm: z.number(), stepBpm: z.number().positive() }),
    training: z.object({ dataset: z.string(), attribution: z.string() }).loose(),
    layers: z
      .array(z.object({ index: z.number().int().nonnegative(), name: z.string(), width: z.number().int().positive(), validation: metricsSchema }).loose())
      .min(1),
    production: z.object({ validation: metricsSchema }).loose(),
  })
  .loose()

export type ModelCard = z.infer<typeof modelCardSchema>

/** Parses and validates a card; errors name the card file and the offending field. */
export function parseModelCard(json: string, sourceName: string): ModelCard {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (error) {
    throw new ModelCardError(`${sourceName}: not valid JSON (${(error as Error).message})`)
  }
  const result = modelCardSchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue ? issue.path.join('.') || '(root)' : '(root)'
    throw new ModelCardError(`${sourceName}: field '${field}': ${issue?.message ?? 'invalid'}`)
  }
  return result.data
}
