import { describe, expect, it } from 'vitest'
import type { SessionSummary } from '../../src/core/api/contract'
import {
  clock,
  describeSession,
  formatStretch,
  stretchInView,
  stretchPercent,
  viewAround,
} from '../../src/renderer/src/lib/search/sound-search-format'

describe('find-by-sound result geometry and words', () => {
  it('writes stretches as clock times', () => {
    expect(clock(0)).toBe('0:00')
    expect(clock(65.4)).toBe('1:05')
    expect(clock(3725)).toBe('1:02:05')
    expect(formatStretch(2.5, 12.5)).toBe('0:03–0:13')
  })

  it('places a stretch in the recording and in the view', () => {
    expect(stretchPercent(5, 10, 20)).toEqual({ left: 25, width: 25 })
    // A 5-s stretch in 3 h still shows (1 % at least).
    expect(stretchPercent(3600, 3605, 10800).width).toBe(1)
    expect(stretchPercent(0, 5, 0)).toEqual({ left: 0, width: 100 })
    expect(stretchInView(5, 10, 0, 20)).toEqual({ left: 25, width: 25 })
    expect(stretchInView(5, 10, 8, 4)).toEqual({ left: 0, width: 50 })
    expect(stretchInView(5, 10, 10, 4)).toBeNull()
  })

  it('opens a stretch with context either side, inside the recording', () => {
    expect(viewAround(10, 20, 60)).toEqual({ startS: 7.5, durationS: 15 })
    expect(viewAround(0, 5, 6)).toEqual({ startS: 0, durationS: 6 })
  })

  it('titles a hit by patient and site', () => {
    const summary = { id: 's', patientId: '84749', patientName: null, location: 'TV', startedAt: '2026-12-03T22:10:36Z' } as SessionSummary
    expect(describeSession(summary, 's')).toMatch(/^84749 · Tricuspid · /)
    expect(describeSession(undefined, 'session-id')).toBe('session-id')
  })
})
