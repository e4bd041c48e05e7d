/** A seedable PRNG (mulberry32) and the draws the fuzz tests need, so a printed seed replays the same choices. */
import { mulberry32 } from '../../src/core/mulberry32'
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max]. */
  int(min: number, max: number): number
  chance(probability: number): boolean
  pick<T>(items: readonly T[]): T
  bytes(length: number): Buffer
}

export function seededRandom(seed: number): SeededRandom {
  const next = mulberry32(seed)
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number],
    bytes: (length) => {
      const out = Buffer.alloc(length)
      for (let i = 0; i < length; i++) out[i] = int(0, 255)
      return out
    },
  }
}
