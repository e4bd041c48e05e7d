import { describe, expect, it } from 'vitest'
import { BeatTrack } from '../../src/renderer/src/lib/beat-track'

describe('BeatTrack', () => {
  it('merges the same beat reported by overlapping windows and gives S1-S1 intervals', () => {
    const track = new BeatTrack()
    // Beats every 0.8 s; windows [0,5), [1,6), [2,7) each report the beats inside them with a few ms of jitter.
    const beats = Array.from({ length: 9 }, (_, k) => 0.3 + 0.8 * k)
    for (const [w, jitter] of [[0, 0], [1, 0.01], [2, -0.01]] as const) {
      track.add({ s1OnsetsS: beats.filter((t) => t >= w && t < w + 5).map((t) => t + jitter), irregularity: 0.01, irregular: false })
    }
    expect(track.s1OnsetsS.length).toBe(beats.length)
    const intervals = track.intervals()
    expect(intervals.length).toBe(beats.length - 1)
    // Jitter of ±10 ms between windows: intervals within 20 ms of 0.8 s.
    for (const i of intervals) expect(Math.abs(i.intervalS - 0.8)).toBeLessThanOrEqual(0.02 + 1e-9)
  })

  it('a detection gap longer than 2 s is not an interval; the flag follows the latest window', () => {
    const track = new BeatTrack()
    track.add({ s1OnsetsS: [0, 1, 5, 6], irregularity: 0.3, irregular: true })
    expect(track.intervals().map((i) => i.intervalS)).toEqual([1, 1])
    expect(track.irregular).toBe(true)
  })
})
