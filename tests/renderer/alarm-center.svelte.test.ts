/**
 * AlarmCenter, the renderer's rune class for alarms (compiled by the Svelte plugin as the app
 * compiles it): what the screen shows, the 2-min audio pause, the log, and what it asks the sound
 * to play. The sound is a recorder of those requests: Node has no Web Audio (alarm-output.test.ts
 * checks the real AlarmSound in Chromium).
 */
import { describe, expect, it } from 'vitest'
import type { AlarmEventPayload } from '../../src/core/api/contract'
import type { AlarmSound } from '../../src/renderer/src/lib/alarm-sound'
import { AlarmCenter } from '../../src/renderer/src/lib/alarm-center.svelte'

function soundRecorder(): { sound: AlarmSound; played: Array<string | null>; outputs: Array<string | null> } {
  const played: Array<string | null> = []
  const outputs: Array<string | null> = []
  const sound = { blocked: false, update: (p: string | null) => played.push(p), setOutput: (n: string | null) => outputs.push(n) }
  return { sound: sound as unknown as AlarmSound, played, outputs }
}

const event = (kind: AlarmEventPayload['kind'], state: AlarmEventPayload['state'], priority: 'medium' | 'low'): AlarmEventPayload => ({
  type: 'alarm',
  kind,
  state,
  atS: 0,
  message: kind,
  priority,
  ...(kind === 'signal-lost' ? {} : { valueBpm: 160, limitBpm: 150 }),
})

describe('AlarmCenter (rune class)', () => {
  it('shows raised alarms highest priority first, keeps the raise time through an acknowledgement, drops cleared ones', () => {
    const { sound, played } = soundRecorder()
    const center = new AlarmCenter(() => sound)
    center.onEvent(event('signal-lost', 'raised', 'low'), 1000)
    center.onEvent(event('hr-high', 'raised', 'medium'), 2000)
    expect(center.alarms.map((a) => a.kind)).toEqual(['hr-high', 'signal-lost'])
    expect(center.raisedKinds).toEqual(['hr-high', 'signal-lost'])
    expect(played.at(-1)).toBe('medium')

    center.onEvent(event('hr-high', 'acknowledged', 'medium'), 5000)
    expect(center.alarms.find((a) => a.kind === 'hr-high')).toMatchObject({ state: 'acknowledged', raisedAtMs: 2000 })
    expect(center.raisedKinds).toEqual(['signal-lost'])
    expect(played.at(-1)).toBe('low')

    center.onEvent(event('signal-lost', 'cleared', 'low'), 6000)
    center.onEvent(event('hr-high', 'cleared', 'medium'), 7000)
    expect(center.alarms).toEqual([])
    expect(played.at(-1)).toBeNull()
    expect(center.log.map((e) => e.atMs)).toEqual([1000, 2000, 5000, 6000, 7000])
  })

  it('pauses the audio of alarms raised before the pause for 2 min, counting down, then sounds again', () => {
    const { sound, played } = soundRecorder()
    const center = new AlarmCenter(() => sound)
    center.onEvent(event('hr-high', 'raised', 'medium'), 0)
    center.pauseAudio(1000)
    expect(center.pauseLeftS).toBe(120)
    expect(played.at(-1)).toBeNull()
    center.tick(61_000)
    expect(center.pauseLeftS).toBe(60)
    expect(played.at(-1)).toBeNull()
    center.tick(121_000)
    expect(center.pause).toBeNull()
    expect(center.pauseLeftS).toBe(0)
    expect(played.at(-1)).toBe('medium')
    expect(center.log.map((e) => e.text).slice(-2)).toEqual(['Alarm audio paused for 2 min', 'Alarm audio pause over'])
  })

  it('a stream that ends takes its alarms with it; the sound is made only when something must sound', () => {
    let made = 0
    const { sound, outputs } = soundRecorder()
    const center = new AlarmCenter(() => {
      made++
      return sound
    })
    center.setOutput('Headphones')
    center.tick(0)
    expect(made).toBe(0)
    center.onEvent(event('hr-low', 'raised', 'medium'), 100)
    expect(made).toBe(1)
    expect(outputs).toEqual(['Headphones'])
    center.endAll(200, 'monitor stopped')
    expect(center.alarms).toEqual([])
    expect(center.log.at(-1)?.text).toBe('Alarms ended: monitor stopped')
  })
})
