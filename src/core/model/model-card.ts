/**
 * The model card: the JSON file beside an ONNX model that says what goes in, what comes out and
 * how well each output did on patients the model never trained on (docs/model-contract.md).
 */
import { z } from 'zod'
import { FormatError } from '../errors'
import { parseJsonWith } from '../zod-issue'

export class ModelCardError extends FormatError {}

const metricsSchema = z.object({
  maeBpm: z.number(),
  medianAbsErrorBpm: z.number(),
  within5BpmShare: z.number(),
  rmseBpm: z.number(),
  count: z.number().int().nonnegative(),
})

export type CardMetrics = z.infer<typeof metricsSchema>

/**
 * The display decision's calibration (src/core/hr/hr-decision.ts), fitted on validation patients
 * by scripts/calibrate-display.ts and stored in the card's `display` block.
 */
export const displayCalibrationSchema = z.object({
  /** Softmax temperature applied to the production head's distribution (p^(1/T), renormalised). */
  temperature: z.number().positive(),
  /** Isotonic map from the raw score (mass within ±5 bpm × (1 − no-HR probability)) to P(|error| ≤ 5 bpm). */
  isotonic: z.object({ x: z.array(z.number()), y: z.array(z.number()) }),
  /** Calibrated confidence below which no number is shown. */
  minConfidence: z.number().min(0).max(1),
  /** No-HR probability at or above which the window is "no heart sound". */
  maxNoHrProb: z.number().gt(0).max(1),
  /** Two estimates agree when they differ by at most max(toleranceBpm, toleranceShare × HR). */
  toleranceBpm: z.number().positive(),
  toleranceShare: z.number().nonnegative(),
  /** Share of encoder layers that must agree with the production head (0 disables the check). */
  minLayerAgreement: z.number().min(0).max(1),
  /** The cross-checks (beats, classical, layers) apply below this calibrated confidence (> 1: always). */
  crossCheckBelowConfidence: z.number().min(0),
  /** Windows that must agree on a new rate before it replaces the one shown. */
  confirmWindows: z.number().int().min(1),
  /** A shown rate older than this many windows no longer guards against jumps. */
  jumpMemoryWindows: z.number().int().min(1),
  tracker: z.object({ stepSigmaBpm: z.number().positive(), jumpProbability: z.number().min(0).lt(1) }),
})

export type DisplayCalibration = z.infer<typeof displayCalibrationSchema>

export const modelCardSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    created: z.string(),
    onnx: z
      .object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive(), opset: z.number().int() })
      .loose(),
    input: z
      .object({
        name: z.string(),
        sampleRateHz: z.number().positive(),
        windowSamples: z.number().int().positive(),
        windowSeconds: z.number().positive(),
        normalisation: z.string(),
      })
      .loose(),
    outputs: z
      .object({
        hrProbs: z.string(),
        layerProbs: z.string(),
        embedding: z.string(),
        segProbs: z.string().optional(),
        noHrProb: z.string().optional(),
      })
      .loose(),
    /** Present when the graph has a segmentation output: class order and frame timing of `segProbs` ([windows, frames, classes]). */
    segmentation: z
      .object({
        classes: z.tuple([z.literal('S1'), z.literal('systole'), z.literal('S2'), z.literal('diastole')]),
        frameSeconds: z.number().positive(),
        frames: z.number().int().positive(),
      })
      .loose()
      .optional(),
    /** Width of the audio (and text) embedding; optional in older cards. */
    embeddingDim: z.number().int().positive().optional(),
    hrBins: z.object({ minBpm: z.number(), maxBpm: z.number(), stepBpm: z.number().positive() }),
    /** The CLAP text encoder trained with this model (file names beside the ONNX file, the text ONNX's sha256). */
    text: z.object({ onnx: z.string(), tokenizer: z.string(), sha256: z.string().optional() }).loose().optional(),
    training: z
      .object({
        dataset: z.string(),
        attribution: z.string(),
        splitSeed: z.number().int().optional(),
        /** Patient ids of each split the model was trained and measured on (lets eval score exactly the held-out patients). */
        splitPatients: z.record(z.string(), z.array(z.string())).optional(),
      })
      .loose(),
    /** Wall time of the training run that produced the ONNX file, seconds. */
    trainingWallSeconds: z.number().nullable().optional(),
    layers: z
      .array(
        z
          .object({
            index: z.number().int().nonnegative(),
            name: z.string(),
            width: z.number().int().positive(),
            validation: metricsSchema,
          })
          .loose(),
      )
      .min(1),
    production: z.object({ validation: metricsSchema }).loose(),
    /** The fitted display decision (absent: the app uses conservative defaults). */
    display: z.object({ calibration: displayCalibrationSchema }).loose().optional(),
  })
  .loose()

export type ModelCard = z.infer<typeof modelCardSchema>

/** Parses and validates a card; errors name the card file and the offending field. */
export function parseModelCard(json: string, sourceName: string): ModelCard {
  return parseJsonWith(modelCardSchema, json, ({ summary }) => {
    throw new ModelCardError(`${sourceName}: ${summary}`)
  })
}
