import { describe, expect, it } from 'vitest'
import { AlarmStateMachine } from '../../../src/core/alarms/alarm-state'
import { AlarmMachine } from '../../../src/main/engine/alarm-machine'
import type { DisplayedHr } from '../../../src/core/monitor/monitor-events'

const limits = { hrHighBpm: 150, hrLowBpm: 45, sustainSeconds: 5, signalLostSeconds: 3 }
const hr = (bpm: number): DisplayedHr => ({ hrBpm: bpm, state: 'reliable' })
const lost: DisplayedHr = { hrBpm: null, state: 'no-signal', reason: 'silence' }

describe('AlarmStateMachine', () => {
  it('is what the monitor engine runs', () => {
    expect(AlarmMachine).toBe(AlarmStateMachine)
  })

  it('raises a high-HR alarm only after the condition has held for sustainSeconds, then clears it', () => {
    const alarms = new AlarmStateMachine(limits)
    expect(alarms.update(hr(160), 0)).toEqual([])
    expect(alarms.update(hr(160), 4)).toEqual([]) // 4 s < 5 s sustain: a short burst must not alarm
    const raised = alarms.update(hr(161), 5)
    expect(raised.map((e) => [e.kind, e.state])).toEqual([['hr-high', 'raised']])
    expect(alarms.update(hr(170), 6)).toEqual([]) // already raised: no repeat
    const cleared = alarms.update(hr(120), 7)
    expect(cleared.map((e) => [e.kind, e.state])).toEqual([['hr-high', 'cleared']])
    expect(alarms.phase('hr-high')).toBe('inactive')
  })

  it('carries the priority, the value and the limit: medium for HR limits, low for signal lost', () => {
    const alarms = new AlarmStateMachine(limits)
    alarms.update(hr(141.6), 0)
    alarms.update(hr(150.4), 1)
    const [raised] = alarms.update(hr(161.6), 6)
    expect(raised).toMatchObject({ kind: 'hr-high', state: 'raised', priority: 'medium', valueBpm: 162, limitBpm: 150 })
    alarms.update(hr(170), 6.2)
    // The acknowledgement reports the latest value that met the condition, against the same limit.
    expect(alarms.acknowledge('hr-high', 6.5)).toMatchObject({ state: 'acknowledged', priority: 'medium', valueBpm: 170, limitBpm: 150 })
    const [low] = [...Array(6).keys()].flatMap((t) => alarms.update(hr(30), 10 + t)).filter((e) => e.kind === 'hr-low')
    expect(low).toMatchObject({ kind: 'hr-low', state: 'raised', priority: 'medium', valueBpm: 30, limitBpm: 45 })
    const signal = new AlarmStateMachine(limits)
    signal.update(lost, 0)
    const [lostEvent] = signal.update(lost, 3)
    expect(lostEvent).toMatchObject({ kind: 'signal-lost', priority: 'low' })
    expect(lostEvent).not.toHaveProperty('valueBpm')
    expect(lostEvent).not.toHaveProperty('limitBpm')
  })

  it('restarts the sustain timer when the condition lapses before the alarm is raised', () => {
    const alarms = new AlarmStateMachine(limits)
    alarms.update(hr(40), 0)
    alarms.update(hr(80), 3)
    expect(alarms.update(hr(40), 4)).toEqual([])
    expect(alarms.update(hr(40), 8)).toEqual([]) // 4 s since the new episode began
    expect(alarms.update(hr(40), 9).map((e) => e.kind)).toEqual(['hr-low'])
  })

  it('goes raised → acknowledged → cleared; acknowledged stays until the condition ends; a new episode raises again', () => {
    const alarms = new AlarmStateMachine(limits)
    alarms.update(lost, 0)
    expect(alarms.acknowledge('signal-lost', 1)).toBeNull() // nothing raised yet
    expect(alarms.update(lost, 3).map((e) => e.state)).toEqual(['raised'])
    expect(alarms.phase('signal-lost')).toBe('raised')
    expect(alarms.acknowledge('signal-lost', 4)?.state).toBe('acknowledged')
    expect(alarms.acknowledge('signal-lost', 4.5)).toBeNull() // acknowledging twice is one transition
    expect(alarms.update(lost, 5)).toEqual([])
    expect(alarms.phase('signal-lost')).toBe('acknowledged')
    expect(alarms.update(hr(80), 6).map((e) => e.state)).toEqual(['cleared'])
    expect(alarms.phase('signal-lost')).toBe('inactive')
    alarms.update(lost, 10)
    expect(alarms.update(lost, 13).map((e) => e.state)).toEqual(['raised'])
  })

  it('does not judge HR limits on an unreliable reading', () => {
    const alarms = new AlarmStateMachine(limits)
    const unreliable: DisplayedHr = { hrBpm: null, state: 'unreliable', reason: 'low confidence' }
    alarms.update(unreliable, 0)
    expect(alarms.update(unreliable, 100)).toEqual([])
  })

  it('keeps a raised HR alarm while the HR is withheld; a lost signal clears it (signal lost takes over)', () => {
    const alarms = new AlarmStateMachine(limits)
    const checking: DisplayedHr = { hrBpm: null, state: 'check', reason: 'estimates disagree' }
    alarms.update(hr(30), 0)
    expect(alarms.update(hr(30), 5).map((e) => e.state)).toEqual(['raised'])
    expect(alarms.update(checking, 6)).toEqual([])
    expect(alarms.phase('hr-low')).toBe('raised')
    expect(alarms.update(lost, 7).map((e) => [e.kind, e.state])).toEqual([['hr-low', 'cleared']])
  })

  it('judges new limits from the next update on', () => {
    const alarms = new AlarmStateMachine(limits)
    alarms.update(hr(100), 0)
    alarms.setLimits({ ...limits, hrHighBpm: 90 })
    alarms.update(hr(100), 1)
    expect(alarms.update(hr(100), 6)).toMatchObject([{ kind: 'hr-high', state: 'raised', valueBpm: 100, limitBpm: 90 }])
  })
})
