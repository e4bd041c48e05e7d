import { describe, expect, it } from 'vitest'
import type { ApiAnnotation } from '../../../src/core/api/contract'
import { beatView, stepAnnotation, stepOnset, typicalBeatS } from '../../../src/renderer/src/lib/session/beat-navigation'
import { describeSession, localWhen, sessionTitle } from '../../../src/renderer/src/lib/session/session-format'

const s1 = [0.2, 1.0, 1.8, 2.6, 3.4]

describe('beat navigation', () => {
  it('steps to the next and previous S1 and stops at the ends', () => {
    expect(stepOnset(s1, 0, 1)).toBe(0.2)
    expect(stepOnset(s1, 0.2, 1)).toBe(1.0)
    expect(stepOnset(s1, 1.0, -1)).toBe(0.2)
    expect(stepOnset(s1, 3.4, 1)).toBeNull()
    expect(stepOnset(s1, 0.2, -1)).toBeNull()
  })

  it('zooms to the beat that holds the time: from just before its S1, 1.25 beats long', () => {
    expect(typicalBeatS(s1)).toBeCloseTo(0.8)
    const view = beatView(s1, 1.3, 10)
    expect(view.durationS).toBeCloseTo(1.0)
    expect(view.startS).toBeCloseTo(0.92)
    // Without beats: 1.25 s (a 1-s beat) kept inside the recording.
    expect(beatView([], 9.9, 10)).toEqual({ startS: 8.75, durationS: 1.25 })
  })

  it('steps through annotations in time order', () => {
    const items: ApiAnnotation[] = [
      { kind: 'span', id: 'a2', spanKind: 'murmur', startS: 2, endS: 3, label: 'murmur', note: '' },
      { kind: 'marker', id: 'a1', timeS: 1, label: 'click', note: '' },
    ]
    expect(stepAnnotation(items, 0, 1)?.id).toBe('a1')
    expect(stepAnnotation(items, 1, 1)?.id).toBe('a2')
    expect(stepAnnotation(items, 2, -1)?.id).toBe('a1')
    expect(stepAnnotation(items, 2, 1)).toBeNull()
  })
})

describe('session titles', () => {
  const now = new Date(2026, 11, 3, 18, 0)
  it('reads "P-0042 · Mitral · 3 Dec 17:34" in local time', () => {
    const startedAt = new Date(2026, 11, 3, 17, 34).toISOString()
    expect(sessionTitle({ patientId: 'P-0042', patientName: null, location: 'MV', startedAt }, now)).toBe('P-0042 · Mitral · 3 Dec 17:34')
    expect(sessionTitle({ patientId: null, patientName: null, location: 'other', startedAt }, now)).toBe(
      'No patient · Other site · 3 Dec 17:34',
    )
    expect(localWhen(new Date(2025, 0, 9, 8, 5).toISOString(), now)).toBe('9 Jan 2025 08:05')
  })

  it('describes duration, HR, annotations and the name beside the id', () => {
    const summary = {
      id: 'x',
      startedAt: '',
      durationS: 75,
      status: 'complete',
      location: 'AV' as const,
      patientId: 'P-1',
      patientName: 'Ada',
      deviceName: 'demo',
      meanHrBpm: 71.6,
      notes: '',
      annotationCount: 1,
    }
    expect(describeSession(summary)).toBe('1:15 · mean 72 bpm · 1 annotation · Ada')
  })
})
