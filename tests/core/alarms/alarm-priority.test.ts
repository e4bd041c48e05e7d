import { describe, expect, it } from 'vitest'
import {
  ALARM_PRIORITY,
  alarmLogLabel,
  byPriority,
  highestPriority,
  shownValueAgainstLimit,
  valueAgainstLimit,
} from '../../../src/core/alarms/alarm-priority'

describe('alarm priorities and words', () => {
  it('HR limits are medium, signal lost low; the highest wins', () => {
    expect(ALARM_PRIORITY).toEqual({ 'hr-high': 'medium', 'hr-low': 'medium', 'signal-lost': 'low' })
    expect(highestPriority(['signal-lost', 'hr-low'])).toBe('medium')
    expect(highestPriority(['signal-lost'])).toBe('low')
    expect(highestPriority([])).toBeNull()
    const sorted = byPriority([
      { kind: 'signal-lost' as const, atS: 9 },
      { kind: 'hr-high' as const, atS: 1 },
    ])
    expect(sorted.map((a) => a.kind)).toEqual(['hr-high', 'signal-lost'])
  })

  it('shows the value against its limit the way a clinician writes it', () => {
    expect(valueAgainstLimit('hr-high', 141.7, 120)).toBe('HR 142 > 120')
    expect(valueAgainstLimit('hr-low', 38, 45)).toBe('HR 38 < 45')
    expect(valueAgainstLimit('signal-lost', 80, 45)).toBeNull()
    expect(valueAgainstLimit('hr-high', undefined, 120)).toBeNull()
    expect(alarmLogLabel({ kind: 'hr-high', state: 'raised', valueBpm: 142, limitBpm: 120 })).toBe(
      'Alarm: Heart rate high raised · HR 142 > 120',
    )
    expect(alarmLogLabel({ kind: 'signal-lost', state: 'cleared' })).toBe('Alarm: Signal lost cleared')
    // The HR on screen while beyond the limit, else the alarm's last value.
    expect(shownValueAgainstLimit({ kind: 'hr-high', valueBpm: 130, limitBpm: 120 }, 135)).toBe('HR 135 > 120')
    expect(shownValueAgainstLimit({ kind: 'hr-high', valueBpm: 130, limitBpm: 120 }, 110)).toBe('HR 130 > 120')
    expect(shownValueAgainstLimit({ kind: 'hr-low', valueBpm: 40, limitBpm: 45 }, null)).toBe('HR 40 < 45')
  })
})
