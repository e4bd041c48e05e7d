/** The beat track behind the strip chart's S1/S2 marks and the beat-interval plot. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSegmentationTsv } from '../../src/core/circor/segmentation-tsv'
import { BeatTrack, type WindowBeatsLike } from '../../src/renderer/src/lib/beat-track'

const beatsOf = (s1OnsetsS: number[], s2OnsetsS: number[] = [], irregular = false): WindowBeatsLike => ({
  s1OnsetsS,
  s2OnsetsS,
  irregularity: irregular ? 0.3 : 0.01,
  irregular,
})

describe('BeatTrack', () => {
  it('merges the same beat reported by overlapping windows and gives S1-S1 intervals', () => {
    const track = new BeatTrack()
    // Beats every 0.8 s; windows [0,5), [1,6), [2,7) each report the beats inside them with a few ms of jitter.
    const beats = Array.from({ length: 9 }, (_, k) => 0.3 + 0.8 * k)
    for (const [w, jitter] of [
      [0, 0],
      [1, 0.01],
      [2, -0.01],
    ] as const) {
      track.add(beatsOf(beats.filter((t) => t >= w && t < w + 5).map((t) => t + jitter)))
    }
    expect(track.s1OnsetsS.length).toBe(beats.length)
    const intervals = track.intervals()
    expect(intervals.length).toBe(beats.length - 1)
    // Jitter of ±10 ms between windows: intervals within 20 ms of 0.8 s.
    for (const i of intervals) expect(Math.abs(i.intervalS - 0.8)).toBeLessThanOrEqual(0.02 + 1e-9)
  })

  it('a detection gap longer than 2 s is not an interval; the flag follows the latest window', () => {
    const track = new BeatTrack()
    track.add(beatsOf([0, 1, 5, 6], [], true))
    expect(track.intervals().map((i) => i.intervalS)).toEqual([1, 1])
    expect(track.irregular).toBe(true)
  })

  it('keeps one mark per annotated heart sound of a real recording, labelled S1 or S2, across five overlapping windows', () => {
    // 50238_MV's expert segmentation stands in for a perfect detector: S1 onsets are starts of
    // label-1 rows, S2 onsets starts of label-3 rows (docs/hr-protocol.md).
    const rows = parseSegmentationTsv(readFileSync(join(__dirname, '../../samples/50238_MV.tsv')), '50238_MV.tsv').rows
    const s1 = rows.filter((r) => r.label === 1).map((r) => r.startS)
    const s2 = rows.filter((r) => r.label === 3).map((r) => r.startS)
    const endS = rows[rows.length - 1]!.endS
    const track = new BeatTrack()
    // The monitor's windows: 5 s every 1 s, each reporting the sounds inside it, moved by up to
    // ±30 ms (a detector's onset error on the same sound differs from window to window).
    const jitter = (t: number, w: number): number => t + 0.03 * Math.sin(7 * t + 3 * w)
    for (let w = 0; w + 5 <= endS; w++) {
      const inside = (t: number): boolean => t >= w && t < w + 5
      track.add(
        beatsOf(
          s1.filter(inside).map((t) => jitter(t, w)),
          s2.filter(inside).map((t) => jitter(t, w)),
        ),
      )
    }
    const covered = (t: number): boolean => t < Math.floor(endS - 5) + 5
    const marks = track.marks
    expect(marks.filter((m) => m.kind === 'S1')).toHaveLength(s1.filter(covered).length)
    expect(marks.filter((m) => m.kind === 'S2')).toHaveLength(s2.filter(covered).length)
    // Each mark is its annotated sound as the latest window placed it (within the ±30-ms jitter).
    for (const mark of marks) {
      const truth = (mark.kind === 'S1' ? s1 : s2).reduce((best, t) => (Math.abs(t - mark.timeS) < Math.abs(best - mark.timeS) ? t : best))
      expect(Math.abs(truth - mark.timeS)).toBeLessThanOrEqual(0.03)
    }
    // Sorted, so the strip chart can stop at the first mark past its view.
    expect(marks.map((m) => m.timeS)).toEqual([...marks.map((m) => m.timeS)].sort((a, b) => a - b))
    expect(track.marksBetween(2, 4).every((m) => m.timeS >= 2 && m.timeS <= 4)).toBe(true)
    expect(track.marksBetween(2, 4)).toHaveLength(marks.filter((m) => m.timeS >= 2 && m.timeS <= 4).length)
  })

  it('the latest window decides both where a sound is and whether it is S1 or S2', () => {
    const track = new BeatTrack()
    track.add(beatsOf([1.0, 1.8], [1.3]))
    // The next window moves the first S1 by 20 ms and calls the sound at 1.3 s an S1, the one at 1.8 s an S2.
    track.add(beatsOf([1.02, 1.31], [1.79]))
    expect(track.marks).toEqual([
      { timeS: 1.02, kind: 'S1' },
      { timeS: 1.31, kind: 'S1' },
      { timeS: 1.79, kind: 'S2' },
    ])
    expect(track.s1OnsetsS).toEqual([1.02, 1.31])
    expect(track.s2OnsetsS).toEqual([1.79])
  })

  it('one window never merges two of its own sounds into one earlier report', () => {
    const track = new BeatTrack()
    track.add(beatsOf([1.0]))
    // Both new reports lie within 100 ms of the known S1; the window itself says they are two
    // sounds, so the second one is kept beside the first instead of overwriting it.
    track.add(beatsOf([0.97], [1.07]))
    expect(track.marks).toEqual([
      { timeS: 0.97, kind: 'S1' },
      { timeS: 1.07, kind: 'S2' },
    ])
  })

  it('forgets sounds older than keepSeconds before the newest, and everything on clear()', () => {
    const track = new BeatTrack(10)
    track.add(beatsOf([0, 1], [0.3, 1.3]))
    track.add(beatsOf([20], [20.3]))
    expect(track.marks.map((m) => m.timeS)).toEqual([20, 20.3])
    const version = track.version
    track.clear()
    expect(track.marks).toHaveLength(0)
    expect(track.intervals()).toHaveLength(0)
    expect(track.irregularity).toBeNull()
    expect(track.version).toBeGreaterThan(version)
  })

  it('one S1 per sound: a later window moving an S1 by 0.15 s replaces it instead of adding a second one ("S1S1")', () => {
    const track = new BeatTrack()
    track.add(beatsOf([1.0, 1.85], [1.3]))
    // The soft S1 at 1.0 s is placed 0.15 s later by the next window; the S2 between is not touched.
    track.add(beatsOf([1.15, 1.86], [1.3]))
    expect(track.marks).toEqual([
      { timeS: 1.15, kind: 'S1' },
      { timeS: 1.3, kind: 'S2' },
      { timeS: 1.86, kind: 'S1' },
    ])
    // One window reporting two S1s 0.18 s apart (a detector cycling through noise): one mark, at the first.
    const noisy = new BeatTrack()
    noisy.add(beatsOf([1.0, 1.18, 1.9], [1.3]))
    expect(noisy.s1OnsetsS).toEqual([1.0, 1.9])
    // Two S1s 0.3 s apart (200 bpm) stay two beats.
    const fast = new BeatTrack()
    fast.add(beatsOf([1.0]))
    fast.add(beatsOf([1.0, 1.3]))
    expect(fast.s1OnsetsS).toEqual([1.0, 1.3])
  })

  it('ignores non-finite onsets rather than drawing them', () => {
    const track = new BeatTrack()
    track.add(beatsOf([Number.NaN, 1], [Number.POSITIVE_INFINITY]))
    expect(track.marks).toEqual([{ timeS: 1, kind: 'S1' }])
  })
})
