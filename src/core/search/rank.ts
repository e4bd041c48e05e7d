/**
 * Ranking recordings by how well a text query describes them: cosine similarity between the
 * query's text embedding and every stored window direction, the recording's score from its best
 * windows, and the stretch around its best window to highlight.
 */
import { InvalidArgumentError } from '../errors'
import type { WindowEmbeddings } from './embedding-file'

/**
 * Neighbouring windows within this much cosine of the best one join its stretch: close enough to
 * the best that the listener should hear them too, far enough below it to keep the stretch short.
 */
export const STRETCH_MARGIN = 0.03

/** Cosine similarity of the query with each window (the query need not be normalised). */
export function windowSimilarities(embeddings: WindowEmbeddings, query: ArrayLike<number>): Float32Array {
  const { dim, count } = embeddings.header
  if (query.length !== dim)
    throw new InvalidArgumentError(
      `query embedding has ${query.length} values, the recording's embeddings ${dim}: made by models from different trainings?`,
    )
  let queryNorm = 0
  for (let i = 0; i < dim; i++) queryNorm += (query[i] as number) ** 2
  queryNorm = Math.sqrt(queryNorm)
  const out = new Float32Array(count)
  const vectors = embeddings.vectors
  for (let w = 0; w < count; w++) {
    let dot = 0
    let norm = 0
    for (let i = 0; i < dim; i++) {
      const v = vectors[w * dim + i] as number
      dot += v * (query[i] as number)
      norm += v * v
    }
    out[w] = norm > 0 && queryNorm > 0 ? dot / Math.sqrt(norm) / queryNorm : 0
  }
  return out
}

export interface MatchStretch {
  startS: number
  endS: number
  /** Indices of the first and last window of the stretch. */
  firstWindow: number
  lastWindow: number
}

export interface RecordingMatch {
  /** The recording's score: its best window's similarity (−1…1). */
  score: number
  bestWindow: number
  stretch: MatchStretch
}

/** Scores one recording; null when it has no windows (empty audio). */
export function matchRecording(embeddings: WindowEmbeddings, similarities: Float32Array): RecordingMatch | null {
  const count = similarities.length
  if (count === 0) return null
  let best = 0
  for (let w = 1; w < count; w++) if ((similarities[w] as number) > (similarities[best] as number)) best = w
  const bestScore = similarities[best] as number
  let first = best
  let last = best
  while (first > 0 && (similarities[first - 1] as number) >= bestScore - STRETCH_MARGIN) first--
  while (last < count - 1 && (similarities[last + 1] as number) >= bestScore - STRETCH_MARGIN) last++
  const { sampleRateHz, windowSeconds, frames } = embeddings.header
  const startS = (embeddings.startFrames[first] as number) / sampleRateHz
  const endS = Math.min((embeddings.startFrames[last] as number) / sampleRateHz + windowSeconds, frames / sampleRateHz)
  return { score: bestScore, bestWindow: best, stretch: { startS, endS: Math.max(endS, startS), firstWindow: first, lastWindow: last } }
}

export interface RankedItem<K> extends RecordingMatch {
  key: K
}

/** Every recording with windows, best first (ties keep the input order). */
export function rankRecordings<K>(
  items: ReadonlyArray<{ key: K; embeddings: WindowEmbeddings }>,
  query: ArrayLike<number>,
): RankedItem<K>[] {
  const ranked: RankedItem<K>[] = []
  for (const { key, embeddings } of items) {
    const match = matchRecording(embeddings, windowSimilarities(embeddings, query))
    if (match) ranked.push({ key, ...match })
  }
  return ranked.sort((a, b) => b.score - a.score)
}
