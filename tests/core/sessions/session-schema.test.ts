import { describe, expect, it } from 'vitest'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'
import { formatSessionMeta, parseSessionMeta } from '../../../src/core/sessions/session-schema'
import { sampleMeta } from './fixtures'

describe('session.json', () => {
  it('round-trips', () => {
    expect(parseSessionMeta(formatSessionMeta(sampleMeta), 'session.json')).toEqual(sampleMeta)
  })

  it('keeps fields it does not know (a newer app or a user addition is not lost on rewrite)', () => {
    const text = JSON.stringify({ ...sampleMeta, posture: 'supine' })
    expect(parseSessionMeta(text, 'session.json')).toMatchObject({ posture: 'supine' })
  })

  it('names file, field and value of a hand edit', () => {
    const edited = JSON.stringify({ ...sampleMeta, patient: { ...sampleMeta.patient, ageGroup: 'toddler' } })
    expect(() => parseSessionMeta(edited, 'sessions/2026-11-25/x/session.json')).toThrow(CorruptSessionError)
    expect(() => parseSessionMeta(edited, 'sessions/2026-11-25/x/session.json')).toThrow(
      /^sessions\/2026-11-25\/x\/session.json: field "patient.ageGroup": .*\(value: "toddler"\)$/,
    )
    const badRate = JSON.stringify({ ...sampleMeta, sampleRateHz: -4000 })
    expect(() => parseSessionMeta(badRate, 's.json')).toThrow(/field "sampleRateHz".*-4000/)
    const noId = JSON.stringify({ ...sampleMeta, id: undefined })
    expect(() => parseSessionMeta(noId, 's.json')).toThrow(/field "id".*missing/)
    expect(() => parseSessionMeta('{"schemaVersion": 1,', 's.json')).toThrow(/s.json: not valid JSON/)
  })

  it('refuses ids that are not safe folder names', () => {
    const evil = JSON.stringify({ ...sampleMeta, id: '../../etc' })
    expect(() => parseSessionMeta(evil, 's.json')).toThrow(/field "id"/)
  })
})
