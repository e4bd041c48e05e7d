import { describe, expect, it } from 'vitest'
import { AlarmMachine } from '../../../src/main/engine/alarm-machine'
import type { DisplayedHr } from '../../../src/core/monitor/monitor-events'

const limits = { hrHighBpm: 150, hrLowBpm: 45, sustainSeconds: 5, signalLostSeconds: 3 }
const hr = (bpm: number): DisplayedHr => ({ hrBpm: bpm, state: 'reliable' })
const lost: DisplayedHr = { hrBpm: null, state: 'no-signal', reason: 'silence' }

describe('AlarmMachine', () => {
  it('raises a high-HR alarm only after the condition has held for sustainSeconds, then clears it', () => {
    const alarms = new AlarmMachine(limits)
    expect(alarms.update(hr(160), 0)).toEqual([])
    expect(alarms.update(hr(160), 4)).toEqual([]) // 4 s < 5 s sustain: a short burst must not alarm
    const raised = alarms.update(hr(161), 5)
    expect(raised.map((e) => [e.kind, e.state])).toEqual([['hr-high', 'raised']])
    expect(alarms.update(hr(170), 6)).toEqual([]) // already raised: no repeat
    const cleared = alarms.update(hr(120), 7)
    expect(cleared.map((e) => [e.kind, e.state])).toEqual([['hr-high', 'cleared']])
    expect(alarms.phase('hr-high')).toBe('inactive')
  })

  it('restarts the sustain timer when the condition lapses before the alarm is raised', () => {
    const alarms = new AlarmMachine(limits)
    alarms.update(hr(40), 0)
    alarms.update(hr(80), 3)
    expect(alarms.update(hr(40), 4)).toEqual([])
    expect(alarms.update(hr(40), 8)).toEqual([]) // 4 s since the new episode began
    expect(alarms.update(hr(40), 9).map((e) => e.kind)).toEqual(['hr-low'])
  })

  it('acknowledge silences a raised alarm until the condition ends; a new episode raises again', () => {
    const alarms = new AlarmMachine(limits)
    alarms.update(lost, 0)
    expect(alarms.acknowledge('signal-lost', 1)).toBeNull() // nothing raised yet
    expect(alarms.update(lost, 3).map((e) => e.state)).toEqual(['raised'])
    expect(alarms.acknowledge('signal-lost', 4)?.state).toBe('acknowledged')
    expect(alarms.update(lost, 5)).toEqual([])
    expect(alarms.update(hr(80), 6).map((e) => e.state)).toEqual(['cleared'])
    alarms.update(lost, 10)
    expect(alarms.update(lost, 13).map((e) => e.state)).toEqual(['raised'])
  })

  it('does not judge HR limits on an unreliable reading', () => {
    const alarms = new AlarmMachine(limits)
    const unreliable: DisplayedHr = { hrBpm: null, state: 'unreliable', reason: 'low confidence' }
    alarms.update(unreliable, 0)
    expect(alarms.update(unreliable, 100)).toEqual([])
  })
})
