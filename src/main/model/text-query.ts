/**
 * Free-text queries against a recording ("systolic murmur", "tricuspid"): the CLAP text encoder
 * embeds the query in the space of the audio embeddings, and cosine similarity scores it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { InvalidArgumentError } from '../../core/errors'
import { parseTokenizer, type Tokenizer } from '../../core/model/text-tokenizer'
import { ModelLoadError } from './encoder-model'

export interface QueryScore {
  query: string
  /** Cosine similarity in [-1, 1] between the query and the audio embedding. */
  similarity: number
  unknownWords: string[]
}

export class TextEncoderModel {
  private constructor(
    private readonly session: InferenceSession,
    readonly tokenizer: Tokenizer,
  ) {}

  static async load(onnxPath: string, tokenizerPath: string): Promise<TextEncoderModel> {
    for (const path of [onnxPath, tokenizerPath]) if (!existsSync(path)) throw new ModelLoadError(`${path}: not found`)
    const tokenizer = parseTokenizer(readFileSync(tokenizerPath, 'utf8'), tokenizerPath)
    // Bytes, not a path: onnxruntime's native reader cannot see inside a packaged app's asar archive.
    const session = await InferenceSession.create(readFileSync(onnxPath), { executionProviders: ['cpu'], intraOpNumThreads: 1 })
    return new TextEncoderModel(session, tokenizer)
  }

  /** L2-normalised embeddings, one per text. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return []
    const width = this.tokenizer.maxTokens
    const tokens = new BigInt64Array(texts.length * width)
    texts.forEach((text, i) => tokens.set(this.tokenizer.encode(text), i * width))
    const inputName = this.session.inputNames[0] ?? 'tokens'
    const outputName = this.session.outputNames[0] ?? 'embedding'
    const result = await this.session.run({ [inputName]: new Tensor('int64', tokens, [texts.length, width]) })
    const data = result[outputName]?.data as Float32Array
    const dim = data.length / texts.length
    return texts.map((_, i) => normalise(data.slice(i * dim, (i + 1) * dim)))
  }

  /** Scores each query against one audio embedding, best first. */
  async score(queries: string[], audioEmbedding: Float32Array): Promise<QueryScore[]> {
    const cleaned = queries.map((query) => query.trim())
    const empty = cleaned.findIndex((query) => query.length === 0)
    if (empty >= 0) throw new InvalidArgumentError(`query ${empty} is empty`)
    const embeddings = await this.embed(cleaned)
    const audio = normalise(audioEmbedding)
    return cleaned
      .map((query, i) => {
        const text = embeddings[i] as Float32Array
        if (text.length !== audio.length)
          throw new InvalidArgumentError(
            `text embedding width ${text.length} differs from audio embedding width ${audio.length}: models from different trainings?`,
          )
        return { query, similarity: dot(text, audio), unknownWords: this.tokenizer.unknownWords(query) }
      })
      .sort((a, b) => b.similarity - a.similarity)
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number)
  return sum
}

function normalise(vector: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(vector, vector))
  if (!(norm > 0)) return vector
  return vector.map((value) => value / norm)
}
