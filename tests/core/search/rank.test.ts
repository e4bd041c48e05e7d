import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { buildWindowEmbeddings } from '../../../src/core/search/embedding-file'
import { matchRecording, rankRecordings, STRETCH_MARGIN, windowSimilarities } from '../../../src/core/search/rank'
import { searchWindowStarts } from '../../../src/core/search/window-plan'

const MODEL = { id: 'm', version: '1', onnxSha256: '0'.repeat(64) }

/** Windows whose similarity to the query e₀ is exactly `similarities` (unit vectors in the e₀–e₁ plane). */
function recording(similarities: number[]) {
  const vectors = similarities.map((s) => Float32Array.from([s, Math.sqrt(1 - s * s), 0, 0]))
  const starts = similarities.map((_, i) => i * 10000)
  return buildWindowEmbeddings(
    { model: MODEL, sampleRateHz: 4000, frames: (similarities.length - 1) * 10000 + 20000, windowSeconds: 5, hopSeconds: 2.5, dim: 4 },
    starts,
    vectors,
  )
}
const QUERY = [2, 0, 0, 0]

describe('window similarities and stretches', () => {
  it('gives each window its cosine with the query, whatever the query norm', () => {
    const sims = windowSimilarities(recording([0.1, 0.5, -0.3]), QUERY)
    expect(Array.from(sims).map((s) => Number(s.toFixed(2)))).toEqual([0.1, 0.5, -0.3])
  })

  it('highlights the best window and its neighbours within the margin', () => {
    const rec = recording([0.1, 0.48, 0.5, 0.49, 0.2, 0.5 - STRETCH_MARGIN - 0.05])
    const match = matchRecording(rec, windowSimilarities(rec, QUERY))!
    expect(match.bestWindow).toBe(2)
    expect([match.stretch.firstWindow, match.stretch.lastWindow]).toEqual([1, 3])
    expect(match.stretch.startS).toBe(2.5)
    expect(match.stretch.endS).toBe(7.5 + 5)
  })

  it('ranks recordings by their best window', () => {
    const ranked = rankRecordings(
      [
        { key: 'a', embeddings: recording([0.1, 0.2]) },
        { key: 'b', embeddings: recording([0.05, 0.9]) },
        { key: 'empty', embeddings: recording([]) },
        { key: 'c', embeddings: recording([0.4]) },
      ],
      QUERY,
    )
    expect(ranked.map((r) => r.key)).toEqual(['b', 'c', 'a'])
  })

  it('refuses a query of another width', () => {
    expect(() => windowSimilarities(recording([0.1]), [1, 0])).toThrow(InvalidArgumentError)
  })
})

describe('search window plan', () => {
  it('covers the recording with half-overlapping windows and one window ending at the end', () => {
    expect(searchWindowStarts(20000, 20000, 10000)).toEqual([0])
    expect(searchWindowStarts(45000, 20000, 10000)).toEqual([0, 10000, 20000, 25000])
    expect(searchWindowStarts(40000, 20000, 10000)).toEqual([0, 10000, 20000])
    expect(searchWindowStarts(3000, 20000, 10000)).toEqual([0])
    expect(searchWindowStarts(0, 20000, 10000)).toEqual([])
    expect(() => searchWindowStarts(-1, 20000, 10000)).toThrow(InvalidArgumentError)
    expect(() => searchWindowStarts(100, 20000, 0)).toThrow(InvalidArgumentError)
  })
})
