/**
 * The alarms this screen shows and sounds: the monitor's alarm events (raised, acknowledged,
 * cleared), the 2-min audio pause and its countdown, the log of this monitoring run, and the
 * sound (alarm-sound.ts). The rules are the pure ones of src/core/alarms/; this class only
 * holds their state as runes and feeds the clock.
 */
import { alarmLogLabel, byPriority } from '../../../core/alarms/alarm-priority'
import { pauseRemainingS, soundingPriority, startAudioPause, type AudioPause } from '../../../core/alarms/alarm-sound-plan'
import type { AlarmEventPayload, AlarmKindName } from '../../../core/api/contract'
import { AlarmSound } from './alarm-sound'

export type ShownAlarmEvent = AlarmEventPayload & { state: 'raised' | 'acknowledged'; raisedAtMs: number }

export interface AlarmLogEntry {
  atMs: number
  text: string
}

const LOG_MAX = 200

export class AlarmCenter {
  /** Active alarms (raised or acknowledged), highest priority first. */
  alarms = $state<ShownAlarmEvent[]>([])
  pause = $state<AudioPause | null>(null)
  /** Seconds left of the audio pause (0: not paused). */
  pauseLeftS = $state(0)
  log = $state<AlarmLogEntry[]>([])
  /** The browser holds the sound back until the page is clicked or a key is pressed. */
  soundBlocked = $state(false)
  private sound: AlarmSound | null = null
  private outputName: string | null = null

  constructor(
    private readonly makeSound: () => AlarmSound | null = () => (typeof AudioContext === 'undefined' ? null : new AlarmSound()),
  ) {}

  onEvent(event: AlarmEventPayload, nowMs: number): void {
    const previous = this.alarms.find((a) => a.kind === event.kind)
    const others = this.alarms.filter((a) => a.kind !== event.kind)
    if (event.state === 'cleared') this.alarms = others
    else {
      const raisedAtMs = event.state === 'raised' || !previous ? nowMs : previous.raisedAtMs
      this.alarms = byPriority([...others, { ...event, state: event.state, raisedAtMs }])
    }
    this.addLog(nowMs, alarmLogLabel(event))
    this.tick(nowMs)
  }

  /** The stream these alarms came from is over (stopped, switched, restarted): its alarms go with it. */
  endAll(nowMs: number, why: string): void {
    if (this.alarms.length === 0) return
    this.alarms = []
    this.addLog(nowMs, `Alarms ended: ${why}`)
    this.tick(nowMs)
  }

  pauseAudio(nowMs: number): void {
    this.pause = startAudioPause(nowMs)
    this.addLog(nowMs, 'Alarm audio paused for 2 min')
    this.tick(nowMs)
  }

  resumeAudio(nowMs: number): void {
    if (!this.pause) return
    this.pause = null
    this.addLog(nowMs, 'Alarm audio on again')
    this.tick(nowMs)
  }

  /** Electron: the alarm plays on the listening output the clinician chose (by its name), where the page can reach it. */
  setOutput(name: string | null): void {
    this.outputName = name
    this.sound?.setOutput(name)
  }

  /** Kinds a press of "Acknowledge" applies to. */
  get raisedKinds(): AlarmKindName[] {
    return this.alarms.filter((a) => a.state === 'raised').map((a) => a.kind)
  }

  /** Runs on the screen's clock (4 times a second): the countdown, the end of a pause, the next burst. */
  tick(nowMs: number): void {
    if (this.pause && nowMs >= this.pause.untilMs) {
      this.pause = null
      this.addLog(nowMs, 'Alarm audio pause over')
    }
    this.pauseLeftS = pauseRemainingS(this.pause, nowMs)
    const priority = soundingPriority(this.alarms, this.pause, nowMs)
    if (priority !== null && this.sound === null) {
      this.sound = this.makeSound()
      this.sound?.setOutput(this.outputName)
    }
    this.sound?.update(priority)
    this.soundBlocked = priority !== null && (this.sound?.blocked ?? false)
  }

  private addLog(atMs: number, text: string): void {
    const next = [...this.log, { atMs, text }]
    this.log = next.length > LOG_MAX ? next.slice(next.length - LOG_MAX) : next
  }
}
