/**
 * The encoder model in the main process: one onnxruntime-node session over the shipped ONNX
 * graph, its model card, and typed outputs (production HR, every layer's HR, the embedding, the
 * segmentation posteriors).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import { decodeHrDistributions, type HrEstimate } from '../../core/model/hr-distribution'
import { ModelCardError, parseModelCard, type ModelCard } from '../../core/model/model-card'
import { planProviders, type ExecutionProviderChoice, type ExecutionProviderName, type ProviderAttempt } from './execution-providers'

export class ModelLoadError extends AuscultaError {}

export interface EncoderOutputs {
  /** Production head, one per window. */
  production: HrEstimate[]
  /** [window][layer]. */
  layers: HrEstimate[][]
  /** Raw distributions, row-major: [windows, bins] and [windows, layers, bins]. */
  productionProbs: Float32Array
  layerProbs: Float32Array
  /** L2-normalised audio embeddings, one per window. */
  embeddings: Float32Array[]
  /**
   * Segmentation posteriors per window ([frames, 4] row-major: S1, systole, S2, diastole), when
   * the graph has the head (card `outputs.segProbs`); null for older models.
   */
  segmentation: Float32Array[] | null
  /** Probability that each window holds no measurable heart rate (card `outputs.noHrProb`); null for older models. */
  noHrProbs: Float32Array | null
}

export interface LoadEncoderOptions {
  /** Defaults to the ONNX path with `.onnx` replaced by `.card.json`. */
  cardPath?: string
  executionProvider?: ExecutionProviderChoice
  /** Threads for one inference; 1 keeps the app's footprint to one core. */
  intraOpThreads?: number
}

export function defaultCardPath(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.card.json'
}

export class EncoderModel {
  private constructor(
    private readonly session: InferenceSession,
    readonly card: ModelCard,
    readonly onnxPath: string,
    readonly provider: ExecutionProviderName,
    readonly providerAttempts: ProviderAttempt[],
  ) {}

  get layerCount(): number {
    return this.card.layers.length
  }

  get windowSamples(): number {
    return this.card.input.windowSamples
  }

  static async load(onnxPath: string, options: LoadEncoderOptions = {}): Promise<EncoderModel> {
    if (!existsSync(onnxPath)) throw new ModelLoadError(`${onnxPath}: model file not found`)
    const cardPath = options.cardPath ?? defaultCardPath(onnxPath)
    if (!existsSync(cardPath)) throw new ModelLoadError(`${cardPath}: model card not found (every model ships with its card)`)
    const card = parseModelCard(readFileSync(cardPath, 'utf8'), cardPath)
    const modelBytes = readFileSync(onnxPath)
    const sha256 = createHash('sha256').update(modelBytes).digest('hex')
    if (sha256 !== card.onnx.sha256) {
      throw new ModelCardError(
        `${cardPath}: field 'onnx.sha256' is ${card.onnx.sha256} but ${onnxPath} hashes to ${sha256}: the card does not ` +
          `describe this model`,
      )
    }
    const plan = planProviders(options.executionProvider ?? 'cpu')
    const attempts: ProviderAttempt[] = [...plan.skipped]
    for (const provider of plan.candidates) {
      try {
        const session = await InferenceSession.create(modelBytes, {
          executionProviders: [provider],
          intraOpNumThreads: options.intraOpThreads ?? 1,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
        })
        attempts.push({ provider, ok: true })
        const model = new EncoderModel(session, card, onnxPath, provider, attempts)
        model.checkGraphMatchesCard()
        return model
      } catch (error) {
        if (error instanceof AuscultaError) throw error
        attempts.push({ provider, ok: false, reason: (error as Error).message })
      }
    }
    throw new ModelLoadError(
      `${onnxPath}: no execution provider could run the model: ${attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ')}`,
    )
  }

  private checkGraphMatchesCard(): void {
    const { input, outputs } = this.card
    if (!this.session.inputNames.includes(input.name)) {
      throw new ModelCardError(`${this.onnxPath}: graph has inputs [${this.session.inputNames.join(', ')}], the card names '${input.name}'`)
    }
    if (outputs.segProbs !== undefined && !this.card.segmentation) {
      throw new ModelCardError(
        `${this.onnxPath}: the card names a segmentation output '${outputs.segProbs}' but has no 'segmentation' block (class ` +
          `order, frame timing)`,
      )
    }
    const optional = [outputs.segProbs, outputs.noHrProb].filter((name): name is string => name !== undefined)
    for (const name of [outputs.hrProbs, outputs.layerProbs, outputs.embedding, ...optional]) {
      if (!this.session.outputNames.includes(name)) {
        throw new ModelCardError(`${this.onnxPath}: graph has outputs [${this.session.outputNames.join(', ')}], the card names '${name}'`)
      }
    }
  }

  /** Runs windows of exactly `windowSamples` raw samples at the card's rate. */
  async run(windows: Float32Array[]): Promise<EncoderOutputs> {
    const windowSamples = this.windowSamples
    if (windows.length === 0) throw new InvalidArgumentError('run: no windows given')
    const batch = new Float32Array(windows.length * windowSamples)
    windows.forEach((window, index) => {
      if (window.length !== windowSamples) {
        throw new InvalidArgumentError(
          `run: window ${index} has ${window.length} samples, the model takes ${windowSamples} ` +
            `(${this.card.input.windowSeconds} s at ${this.card.input.sampleRateHz} Hz)`,
        )
      }
      for (let i = 0; i < window.length; i++) {
        if (!Number.isFinite(window[i] as number))
          throw new InvalidArgumentError(`run: window ${index} has a non-finite sample at ${i} (${window[i]})`)
      }
      batch.set(window, index * windowSamples)
    })
    const { input, outputs, hrBins } = this.card
    const result = await this.session.run({ [input.name]: new Tensor('float32', batch, [windows.length, windowSamples]) })
    const productionProbs = result[outputs.hrProbs]?.data as Float32Array
    const layerProbs = result[outputs.layerProbs]?.data as Float32Array
    const embedding = result[outputs.embedding]
    if (!productionProbs || !layerProbs || !embedding)
      throw new ModelLoadError(`${this.onnxPath}: the graph did not return the card's outputs`)
    const count = windows.length
    const layerCount = this.layerCount
    const layerEstimates = decodeHrDistributions(layerProbs, count * layerCount, hrBins)
    const embeddingData = embedding.data as Float32Array
    const embeddingWidth = embeddingData.length / count
    let segmentation: Float32Array[] | null = null
    if (outputs.segProbs !== undefined && this.card.segmentation) {
      const segData = result[outputs.segProbs]?.data as Float32Array | undefined
      const perWindow = this.card.segmentation.frames * this.card.segmentation.classes.length
      if (!segData || segData.length !== count * perWindow) {
        throw new ModelLoadError(
          `${this.onnxPath}: segmentation output '${outputs.segProbs}' has ${segData?.length ?? 0} values, the card promises ` +
            `${count} × ${perWindow}`,
        )
      }
      segmentation = Array.from({ length: count }, (_, w) => segData.slice(w * perWindow, (w + 1) * perWindow))
    }
    let noHrProbs: Float32Array | null = null
    if (outputs.noHrProb !== undefined) {
      const data = result[outputs.noHrProb]?.data as Float32Array | undefined
      if (!data || data.length !== count)
        throw new ModelLoadError(
          `${this.onnxPath}: no-HR output '${outputs.noHrProb}' has ${data?.length ?? 0} values for ${count} windows`,
        )
      noHrProbs = Float32Array.from(data)
    }
    return {
      noHrProbs,
      production: decodeHrDistributions(productionProbs, count, hrBins),
      layers: Array.from({ length: count }, (_, w) => layerEstimates.slice(w * layerCount, (w + 1) * layerCount)),
      productionProbs,
      layerProbs,
      embeddings: Array.from({ length: count }, (_, w) => embeddingData.slice(w * embeddingWidth, (w + 1) * embeddingWidth)),
      segmentation,
    }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
