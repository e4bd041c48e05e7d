import { describe, expect, it } from 'vitest'
import {
  AUDIO_PAUSE_S,
  burstDue,
  formatCountdown,
  pauseRemainingS,
  soundingAlarms,
  soundingPriority,
  startAudioPause,
  type ShownAlarm,
} from '../../../src/core/alarms/alarm-sound-plan'
import { burstFor } from '../../../src/core/alarms/alarm-tones'

const high: ShownAlarm = { kind: 'hr-high', state: 'raised', raisedAtMs: 1_000 }
const lost: ShownAlarm = { kind: 'signal-lost', state: 'raised', raisedAtMs: 2_000 }

describe('alarm sound plan', () => {
  it('sounds raised alarms, not acknowledged ones; the highest priority plays', () => {
    expect(soundingAlarms([high, lost], null, 5_000)).toEqual(['hr-high', 'signal-lost'])
    expect(soundingPriority([high, lost], null, 5_000)).toBe('medium')
    expect(soundingPriority([{ ...high, state: 'acknowledged' }, lost], null, 5_000)).toBe('low')
    expect(soundingPriority([{ ...high, state: 'acknowledged' }], null, 5_000)).toBeNull()
  })

  it('audio pause: 2 min of silence with a countdown, then the sound returns', () => {
    const pause = startAudioPause(10_000)
    expect(AUDIO_PAUSE_S).toBe(120)
    expect(pauseRemainingS(pause, 10_000)).toBe(120)
    expect(formatCountdown(pauseRemainingS(pause, 17_200))).toBe('1:53')
    expect(soundingPriority([high, lost], pause, 17_200)).toBeNull()
    expect(pauseRemainingS(pause, 130_000)).toBe(0)
    expect(formatCountdown(0)).toBe('0:00')
    expect(soundingPriority([high], pause, 130_000)).toBe('medium')
    expect(pauseRemainingS(null, 0)).toBe(0)
  })

  it('an alarm raised during the pause sounds at once', () => {
    const pause = startAudioPause(3_000)
    const later: ShownAlarm = { kind: 'hr-low', state: 'raised', raisedAtMs: 4_000 }
    expect(soundingAlarms([high, lost, later], pause, 5_000)).toEqual(['hr-low'])
  })

  it('a burst starts at once, then after the burst and its interburst interval; a new priority starts at once', () => {
    const medium = burstFor('medium')
    expect(burstDue(null, null, 0)).toBe(false)
    expect(burstDue('medium', null, 0)).toBe(true)
    const clock = { priority: 'medium' as const, lastStartS: 10 }
    expect(burstDue('medium', clock, 10 + medium.durationS + medium.interburstS - 0.01)).toBe(false)
    expect(burstDue('medium', clock, 10 + medium.durationS + medium.interburstS)).toBe(true)
    expect(burstDue('low', clock, 10.5)).toBe(true)
  })
})
