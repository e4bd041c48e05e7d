/**
 * Beat-by-beat track across overlapping windows: each window event (5 s, every 1 s) reports the
 * S1 onsets it found in stream time, so every beat is reported up to five times, a few ms apart.
 * The track keeps one onset per beat (the latest report wins) and gives the S1→S1 intervals
 * for the beat-interval plot.
 */
export interface WindowBeatsLike {
  s1OnsetsS: readonly number[]
  irregularity: number | null
  irregular: boolean
}

export interface BeatInterval {
  /** Stream time of the beat that ends the interval. */
  timeS: number
  intervalS: number
}

/** Two reports closer than this are the same beat (onset error is ±50 ms at worst; beats are ≥ 250 ms apart). */
const SAME_BEAT_S = 0.1
/** Intervals longer than this are a gap in detection, not a beat (30 bpm). */
const MAX_INTERVAL_S = 2

export class BeatTrack {
  private onsetsS: number[] = []
  irregularity: number | null = null
  irregular = false

  constructor(private readonly keepSeconds = 120) {}

  add(beats: WindowBeatsLike): void {
    for (const t of beats.s1OnsetsS) {
      const i = this.onsetsS.findIndex((u) => Math.abs(u - t) < SAME_BEAT_S)
      if (i >= 0) this.onsetsS[i] = t
      else this.onsetsS.push(t)
    }
    this.onsetsS.sort((a, b) => a - b)
    const last = this.onsetsS[this.onsetsS.length - 1]
    if (last !== undefined) this.onsetsS = this.onsetsS.filter((t) => t >= last - this.keepSeconds)
    this.irregularity = beats.irregularity
    this.irregular = beats.irregular
  }

  get s1OnsetsS(): readonly number[] {
    return this.onsetsS
  }

  intervals(): BeatInterval[] {
    const out: BeatInterval[] = []
    for (let k = 1; k < this.onsetsS.length; k++) {
      const d = this.onsetsS[k]! - this.onsetsS[k - 1]!
      if (d <= MAX_INTERVAL_S) out.push({ timeS: this.onsetsS[k]!, intervalS: d })
    }
    return out
  }

  clear(): void {
    this.onsetsS = []
    this.irregularity = null
    this.irregular = false
  }
}
