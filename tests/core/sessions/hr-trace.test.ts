import { describe, expect, it } from 'vitest'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'
import { formatHrCsv, formatHrTraceLine, parseHrTrace, summariseHrTrace, type HrTraceEntry } from '../../../src/core/sessions/hr-trace'

const entries: HrTraceEntry[] = [
  {
    timeS: 5,
    hrBpm: 80,
    confidence: 0.9,
    layers: [
      { index: 0, hrBpm: 79, confidence: 0.4 },
      { index: 3, hrBpm: 80.5, confidence: 0.8 },
    ],
    classicalHrBpm: 81,
    classicalQuality: 0.7,
  },
  {
    timeS: 6,
    hrBpm: null,
    confidence: 0.1,
    layers: [{ index: 3, hrBpm: 120, confidence: 0.2 }],
    classicalHrBpm: null,
    classicalQuality: 0.05,
  },
  { timeS: 7, hrBpm: 100, confidence: 0.8, layers: [], classicalHrBpm: 99, classicalQuality: 0.6 },
]
const text = entries.map(formatHrTraceLine).join('')

describe('hr-trace.jsonl', () => {
  it('round-trips', () => {
    expect(parseHrTrace(text, 'hr-trace.jsonl')).toEqual({ entries, warnings: [] })
  })

  it('drops a torn last line (crash mid-append) with a warning', () => {
    const torn = text + formatHrTraceLine(entries[0] as HrTraceEntry).slice(0, 25)
    const parsed = parseHrTrace(torn, 'hr-trace.jsonl')
    expect(parsed.entries).toEqual(entries)
    expect(parsed.warnings).toEqual(['hr-trace.jsonl:4: torn last line dropped (25 bytes; crash while writing?)'])
  })

  it('refuses a bad line in the middle, naming the line', () => {
    const lines = text.split('\n')
    lines[1] = '{"timeS": "six"}'
    expect(() => parseHrTrace(lines.join('\n'), 'hr-trace.jsonl')).toThrow(CorruptSessionError)
    expect(() => parseHrTrace(lines.join('\n'), 'hr-trace.jsonl')).toThrow(/hr-trace.jsonl:2: field "timeS"/)
    expect(() => parseHrTrace('not json\n', 't.jsonl')).toThrow(/t.jsonl:1: not valid JSON/)
  })

  it('summarises windows that produced an HR', () => {
    expect(summariseHrTrace(entries)).toEqual({ windows: 2, minBpm: 80, maxBpm: 100, meanBpm: 90 })
    expect(summariseHrTrace([])).toBeNull()
  })

  it('formats hr.csv with one column pair per layer present', () => {
    expect(formatHrCsv(entries).split('\n')).toEqual([
      'time_s,hr_bpm,confidence,classical_hr_bpm,classical_quality,layer0_hr_bpm,layer0_confidence,layer3_hr_bpm,layer3_confidence',
      '5.000,80.00,0.9000,81.00,0.7000,79.00,0.4000,80.50,0.8000',
      '6.000,,0.1000,,0.0500,,,120.00,0.2000',
      '7.000,100.00,0.8000,99.00,0.6000,,,,',
      '',
    ])
  })
})
