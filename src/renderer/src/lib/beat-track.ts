/**
 * Beat-by-beat track across overlapping windows: each window event (5 s, every 1 s) reports the
 * S1 and S2 onsets it found in stream time, so every heart sound is reported up to five times, a
 * few ms apart. The track keeps one entry per sound (the latest report wins, its time and its
 * label: a later window that calls a sound S2 rather than S1 overrides the earlier call, so a
 * sound never carries both marks). It gives the sounds for the strip chart's marks and the
 * S1→S1 intervals for the beat-interval plot.
 */
export interface WindowBeatsLike {
  s1OnsetsS: readonly number[]
  s2OnsetsS: readonly number[]
  irregularity: number | null
  irregular: boolean
}

export interface BeatInterval {
  /** Stream time of the beat that ends the interval. */
  timeS: number
  intervalS: number
}

export type HeartSoundKind = 'S1' | 'S2'

export interface HeartSoundMark {
  /** Onset in stream seconds (the clock of the pcg events: sample index / sampleRateHz). */
  timeS: number
  kind: HeartSoundKind
}

/**
 * Two reports closer than this are the same sound: onset error is ±50 ms at worst, and the
 * closest distinct sounds, S1→S2 at 240 bpm, are still ~150 ms apart.
 */
const SAME_SOUND_S = 0.1
/**
 * Two reports of the same kind closer than this are one sound too: no heart makes two S1s (or two
 * S2s) within 0.25 s (a beat at 240 bpm), while a detector's onset for one sound can move by more
 * than 0.1 s between overlapping windows (a soft, long S1): two S1 marks drawn 0.15 s apart, the
 * overlapping "S1S1" labels of issue 16, item 6.
 */
const SAME_KIND_S = 0.25
/** Intervals longer than this are a gap in detection, not a beat (30 bpm). */
const MAX_INTERVAL_S = 2

export class BeatTrack {
  /** Sorted by time; at most one entry per sound. */
  private sounds: HeartSoundMark[] = []
  private s1Cache: number[] | null = null
  irregularity: number | null = null
  irregular = false
  /** Bumped on every change, so a canvas drawn every frame can tell when to re-read. */
  version = 0

  constructor(private readonly keepSeconds = 120) {}

  add(beats: WindowBeatsLike): void {
    const before = this.sounds
    const reports: HeartSoundMark[] = [
      ...oneSoundEach(beats.s1OnsetsS).map((timeS) => ({ timeS, kind: 'S1' as const })),
      ...oneSoundEach(beats.s2OnsetsS).map((timeS) => ({ timeS, kind: 'S2' as const })),
    ]
    // Match each report against what was known before this window only: a window's own sounds
    // are distinct, so one of them must never replace another.
    const next = before.slice()
    const replaced = new Set<number>()
    for (const report of reports) {
      if (!Number.isFinite(report.timeS)) continue
      let i = nearestWithin(before, report.timeS, SAME_SOUND_S)
      if (i < 0) i = nearestWithin(before, report.timeS, SAME_KIND_S, report.kind)
      if (i >= 0 && !replaced.has(i)) {
        replaced.add(i)
        next[i] = report
      } else next.push(report)
    }
    const merged = next.sort((a, b) => a.timeS - b.timeS)
    const last = merged[merged.length - 1]
    this.sounds = last === undefined ? merged : merged.filter((s) => s.timeS >= last.timeS - this.keepSeconds)
    this.s1Cache = null
    this.irregularity = beats.irregularity
    this.irregular = beats.irregular
    this.version++
  }

  get s1OnsetsS(): readonly number[] {
    this.s1Cache ??= this.sounds.filter((s) => s.kind === 'S1').map((s) => s.timeS)
    return this.s1Cache
  }

  get s2OnsetsS(): readonly number[] {
    return this.sounds.filter((s) => s.kind === 'S2').map((s) => s.timeS)
  }

  /** Every kept sound, oldest first (read-only view: the strip chart iterates it every frame). */
  get marks(): readonly HeartSoundMark[] {
    return this.sounds
  }

  /** The sounds with fromS ≤ timeS ≤ toS, oldest first. */
  marksBetween(fromS: number, toS: number): HeartSoundMark[] {
    const out: HeartSoundMark[] = []
    for (let i = firstAtOrAfter(this.sounds, fromS); i < this.sounds.length; i++) {
      const mark = this.sounds[i]!
      if (mark.timeS > toS) break
      out.push(mark)
    }
    return out
  }

  intervals(): BeatInterval[] {
    const onsets = this.s1OnsetsS
    const out: BeatInterval[] = []
    for (let k = 1; k < onsets.length; k++) {
      const d = onsets[k]! - onsets[k - 1]!
      if (d <= MAX_INTERVAL_S) out.push({ timeS: onsets[k]!, intervalS: d })
    }
    return out
  }

  clear(): void {
    this.sounds = []
    this.s1Cache = null
    this.irregularity = null
    this.irregular = false
    this.version++
  }
}

/**
 * One window's onsets of one kind with those closer than SAME_KIND_S to the previous kept one left
 * out: a detector that cycles through a noisy stretch can report two "S1s" 0.18 s apart, which no
 * heart makes (the first is kept: the onset of the sound).
 */
function oneSoundEach(onsetsS: readonly number[]): number[] {
  const out: number[] = []
  for (const t of [...onsetsS].filter(Number.isFinite).sort((a, b) => a - b)) {
    const last = out[out.length - 1]
    if (last === undefined || t - last >= SAME_KIND_S) out.push(t)
  }
  return out
}

/** Index of the first sound at or after timeS (binary search; sounds are sorted). */
function firstAtOrAfter(sounds: readonly HeartSoundMark[], timeS: number): number {
  let lo = 0
  let hi = sounds.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sounds[mid]!.timeS < timeS) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the sound (of `kind`, when given) nearest timeS if it is closer than toleranceS, else −1. */
function nearestWithin(sounds: readonly HeartSoundMark[], timeS: number, toleranceS: number, kind?: HeartSoundKind): number {
  const i = firstAtOrAfter(sounds, timeS)
  let best = -1
  // Of a kind: the nearest of that kind may lie beyond a sound of the other kind on either side.
  const candidates = kind === undefined ? [i - 1, i] : [i - 2, i - 1, i, i + 1]
  for (const j of candidates) {
    const sound = sounds[j]
    if (sound === undefined || (kind !== undefined && sound.kind !== kind)) continue
    const distance = Math.abs(sound.timeS - timeS)
    if (distance < toleranceS && (best < 0 || distance < Math.abs(sounds[best]!.timeS - timeS))) best = j
  }
  return best
}
