/**
 * Segmented session playback on a real recording: a short session is one segment played exactly
 * as the whole recording was before segments existed (filter, stretch, gain and limiter over the
 * whole of it), and a long one is a grid of 10-s segments that cover it end to end, line up to
 * the sample where they cross-fade, and add up to the length of the recording at every speed.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { timeStretch } from '../../src/core/dsp/time-stretch'
import { readWavMono } from '../../src/main/io/wav-file'
import { filterForPlayback } from '../../src/renderer/src/lib/playback-filter'
import { limitForPlayback } from '../../src/renderer/src/lib/playback-limiter'
import { planSegment, renderSegment, SEGMENT_S, type SegmentPlan } from '../../src/renderer/src/lib/playback-segments'

const recording = readWavMono(join(__dirname, '../../samples/50238_MV.wav'))
const RATE = recording.sampleRateHz
/** The demo recording looped to `seconds`. */
function looped(seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE))
  for (let i = 0; i < out.length; i++) out[i] = recording.samples[i % recording.samples.length] as number
  return out
}
const raw = (audio: Float32Array, plan: SegmentPlan): Float32Array =>
  audio.subarray(plan.fetchStartFrame, plan.fetchStartFrame + plan.fetchFrames)

describe('playback segments', () => {
  it('plays a short session as one segment, exactly the whole-recording buffer', () => {
    const audio = recording.samples.subarray(0, 5 * RATE)
    for (const t of [0, 1.2, 4.99])
      expect(planSegment(t, audio.length, RATE)).toEqual({ startS: 0, endS: 5, final: true, fetchStartFrame: 0, fetchFrames: audio.length })
    for (const filter of ['off', 'bell', 'wide'] as const) {
      for (const speed of [0.5, 1, 2]) {
        const filtered = filterForPlayback(audio, RATE, filter)
        const whole = limitForPlayback(speed === 1 ? filtered : timeStretch(filtered, RATE, speed), RATE, 4)
        const plan = planSegment(0, audio.length, RATE)
        expect(renderSegment(raw(audio, plan), plan, RATE, { filter, speed, gain: 4 }, 0.02 * speed)).toEqual(whole)
      }
    }
  })

  it('cuts a long session on a fixed 10-s grid, the last segment 5 to 15 s long', () => {
    const frames = 3600 * RATE + 7 * RATE // 1 h 7 s
    expect(planSegment(0, frames, RATE)).toMatchObject({ startS: 0, endS: 10, final: false, fetchStartFrame: 0 })
    // A moment always falls in the same segment, and reads 0.5 s before it for the filter to settle.
    expect(planSegment(1234.5, frames, RATE)).toMatchObject({
      startS: 1230,
      endS: 1240,
      fetchStartFrame: 1229.5 * RATE,
      fetchFrames: (10.5 + 0.15) * RATE,
    })
    // 360.7 segments' worth: the last is the 7 s from 3600 s (a 0.7-s one would be too short to cross-fade into).
    expect(planSegment(3605, frames, RATE)).toMatchObject({ startS: 3600, endS: 3607, final: true, fetchFrames: frames - 3599.5 * RATE })
    // 1 h 13 s: 361.3 segments' worth, the last one 13 s long.
    expect(planSegment(3612, frames + 6 * RATE, RATE)).toMatchObject({ startS: 3600, endS: 3613, final: true })
    // Walking from segment to segment covers the recording once.
    let covered = 0
    for (let plan = planSegment(0, frames, RATE); ; plan = planSegment(plan.endS, frames, RATE)) {
      expect(plan.startS).toBe(covered)
      covered = plan.endS
      if (plan.final) break
    }
    expect(covered).toBe(frames / RATE)
  })

  it('joins segments to the sample: where one cross-fades into the next they play the same recording time', () => {
    const audio = looped(45)
    const overlapS = 0.02
    const first = planSegment(0, audio.length, RATE)
    const second = planSegment(first.endS, audio.length, RATE)
    expect(second.startS).toBe(SEGMENT_S)
    // Unfiltered at ×1 and a gain the limiter never acts on: each buffer is the recording × gain, so the overlap must match exactly.
    const a = renderSegment(raw(audio, first), first, RATE, { filter: 'off', speed: 1, gain: 1 }, overlapS)
    const b = renderSegment(raw(audio, second), second, RATE, { filter: 'off', speed: 1, gain: 1 }, overlapS)
    expect(a.length).toBe((SEGMENT_S + overlapS) * RATE)
    expect(Array.from(a.subarray(SEGMENT_S * RATE))).toEqual(Array.from(b.subarray(0, overlapS * RATE)))
    // Through a filter the second segment starts from its 0.5-s lead-in, not from the first: by
    // then the filter has settled, and the two agree to well under the recording's own noise.
    const fa = renderSegment(raw(audio, first), first, RATE, { filter: 'bell', speed: 1, gain: 1 }, overlapS)
    const fb = renderSegment(raw(audio, second), second, RATE, { filter: 'bell', speed: 1, gain: 1 }, overlapS)
    let worst = 0
    let peak = 0
    for (let i = 0; i < overlapS * RATE; i++) {
      worst = Math.max(worst, Math.abs((fa[SEGMENT_S * RATE + i] as number) - (fb[i] as number)))
      peak = Math.max(peak, Math.abs(fb[i] as number))
    }
    expect(worst).toBeLessThan(1e-3)
    expect(peak).toBeGreaterThan(0) // not trivially equal: there is sound there
  })

  it('adds up to the recording at every speed (the cursor and the sound stay together)', () => {
    const audio = looped(47)
    for (const speed of [0.5, 1, 2]) {
      let played = 0
      for (let plan = planSegment(0, audio.length, RATE); ; plan = planSegment(plan.endS, audio.length, RATE)) {
        const overlapS = plan.final ? 0 : 0.02 * speed
        const buffer = renderSegment(raw(audio, plan), plan, RATE, { filter: 'diaphragm', speed, gain: 8 }, overlapS)
        // Each buffer lasts its stretch of recording / speed, plus the cross-fade (one sample of rounding).
        expect(Math.abs(buffer.length - ((plan.endS - plan.startS + overlapS) * RATE) / speed)).toBeLessThanOrEqual(1)
        played += buffer.length - Math.round((overlapS * RATE) / speed)
        if (plan.final) break
      }
      expect(Math.abs(played - audio.length / speed)).toBeLessThanOrEqual(5)
    }
  })
})
