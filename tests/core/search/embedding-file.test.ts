import { describe, expect, it } from 'vitest'
import { buildWindowEmbeddings, decodeEmbeddingFile, encodeEmbeddingFile } from '../../../src/core/search/embedding-file'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'

const MODEL = { id: 'ausculta-encoder', version: '2.0.0', onnxSha256: 'ab'.repeat(32) }

function unitVector(seed: number, dim: number): Float32Array {
  const v = Float32Array.from(
    { length: dim },
    (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453 - Math.floor(Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) - 0.5,
  )
  const norm = Math.hypot(...v)
  return v.map((x) => x / norm)
}

function sample(count: number, dim = 128) {
  const vectors = Array.from({ length: count }, (_, i) => unitVector(i + 1, dim))
  const starts = Array.from({ length: count }, (_, i) => i * 10000)
  return {
    vectors,
    embeddings: buildWindowEmbeddings(
      { model: MODEL, sampleRateHz: 4000, frames: 90000, windowSeconds: 5, hopSeconds: 2.5, dim },
      starts,
      vectors,
    ),
  }
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number)
    na += (a[i] as number) ** 2
    nb += (b[i] as number) ** 2
  }
  return dot / Math.sqrt(na * nb)
}

describe('embedding file', () => {
  it('round-trips header, window starts and vectors', () => {
    const { embeddings } = sample(7)
    const decoded = decodeEmbeddingFile(encodeEmbeddingFile(embeddings), 'embeddings.bin')
    expect(decoded.header).toEqual(embeddings.header)
    expect(Array.from(decoded.startFrames)).toEqual(Array.from(embeddings.startFrames))
    expect(Array.from(decoded.vectors)).toEqual(Array.from(embeddings.vectors))
  })

  it('reads the same from a Node Buffer that sits inside a larger pooled buffer (as readFile returns)', () => {
    const { embeddings } = sample(5)
    const bytes = encodeEmbeddingFile(embeddings)
    const pooled = Buffer.alloc(bytes.length + 300)
    const inside = pooled.subarray(137, 137 + bytes.length)
    inside.set(bytes)
    const decoded = decodeEmbeddingFile(inside, 'embeddings.bin')
    expect(Array.from(decoded.vectors)).toEqual(Array.from(embeddings.vectors))
    expect(Array.from(decoded.startFrames)).toEqual(Array.from(embeddings.startFrames))
  })

  it('keeps every cosine similarity within 0.005 of float32 (int8 per-vector scaling)', () => {
    const { vectors, embeddings } = sample(40)
    const dim = embeddings.header.dim
    const query = unitVector(999, dim)
    for (let w = 0; w < vectors.length; w++) {
      const stored = embeddings.vectors.subarray(w * dim, (w + 1) * dim)
      // 0.005: int8 rounding error is ≤ 1/254 of the largest component per value, far below the
      // gaps between the similarities that ranking compares.
      expect(Math.abs(cosine(stored, query) - cosine(vectors[w] as Float32Array, query))).toBeLessThan(0.005)
    }
  })

  it('costs 128 bytes a window plus a small header', () => {
    const bytes = encodeEmbeddingFile(sample(100).embeddings)
    expect(bytes.length).toBeLessThan(100 * (128 + 4) + 512)
  })

  it('names the damage: magic, version, CRC, truncation, header', () => {
    const good = encodeEmbeddingFile(sample(3).embeddings)
    const expectCorrupt = (bytes: Uint8Array, field: string) => {
      try {
        decodeEmbeddingFile(bytes, 'embeddings.bin')
        expect.unreachable('should have thrown')
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptSessionError)
        expect((error as CorruptSessionError).field).toBe(field)
      }
    }
    const wrongMagic = good.slice()
    wrongMagic[0] = 0x58
    expectCorrupt(wrongMagic, 'magic')
    const wrongVersion = good.slice()
    wrongVersion[4] = 9
    expectCorrupt(wrongVersion, 'version')
    const flipped = good.slice()
    flipped[good.length - 20] = (flipped[good.length - 20] as number) ^ 1
    expectCorrupt(flipped, 'crc32')
    expectCorrupt(good.slice(0, good.length - 9), 'crc32')
    expectCorrupt(new Uint8Array(5), 'header')
  })
})
