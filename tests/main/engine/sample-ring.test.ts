import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { SampleRing } from '../../../src/main/engine/sample-ring'
import { InvalidArgumentError } from '../../../src/core/errors'

describe('SampleRing', () => {
  it('returns the latest samples in order across the wrap-around', () => {
    const ring = new SampleRing(5)
    ring.push(Float32Array.from([1, 2, 3]))
    ring.push(Float32Array.from([4, 5, 6, 7]))
    expect(Array.from(ring.latest(5))).toEqual([3, 4, 5, 6, 7])
    expect(Array.from(ring.latest(2))).toEqual([6, 7])
    expect(ring.totalWritten).toBe(7)
  })

  it('keeps only the tail of a chunk longer than the ring', () => {
    const ring = new SampleRing(3)
    ring.push(Float32Array.from([1, 2, 3, 4, 5]))
    expect(Array.from(ring.latest(3))).toEqual([3, 4, 5])
  })

  it('refuses to read more than it holds', () => {
    const ring = new SampleRing(4)
    ring.push(Float32Array.from([1, 2]))
    expect(() => ring.latest(3)).toThrow(InvalidArgumentError)
    expect(() => new SampleRing(0)).toThrow(InvalidArgumentError)
  })

  it('matches a plain array for any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }),
        (capacity, chunkLengths) => {
          const ring = new SampleRing(capacity)
          const all: number[] = []
          for (const length of chunkLengths) {
            const chunk = Float32Array.from({ length }, (_, i) => all.length + i)
            ring.push(chunk)
            all.push(...chunk)
          }
          const count = Math.min(capacity, all.length)
          expect(Array.from(ring.latest(count))).toEqual(all.slice(all.length - count))
        },
      ),
    )
  })
})
