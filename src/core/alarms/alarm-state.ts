/**
 * Bedside alarm conditions as explicit state machines (pure: stream time in, transitions out).
 * Each alarm goes inactive → pending (the condition holds, not yet long enough) → raised →
 * (acknowledged) → cleared → inactive. Acknowledging stops the alarm's sound until its condition
 * ends (IEC 60601-1-8 "acknowledged"); its colour stays on screen while the condition persists;
 * a new episode raises it again. Priorities: alarm-priority.ts.
 */
import type { AlarmEvent, AlarmKind, AlarmLimits, DisplayedHr } from '../monitor/monitor-events'
import { ALARM_KINDS, ALARM_PRIORITY } from './alarm-priority'

export type AlarmPhase = 'inactive' | 'pending' | 'raised' | 'acknowledged'

interface AlarmTrack {
  phase: AlarmPhase
  /** Stream time at which the condition started holding (while pending or active). */
  sinceS: number
  /** HR alarms: the latest displayed HR that met the condition. */
  lastValueBpm: number | null
}

interface Condition {
  holds: boolean
  sustainS: number
  message: string
  limitBpm: number | null
}

export class AlarmStateMachine {
  private readonly tracks = new Map<AlarmKind, AlarmTrack>(
    ALARM_KINDS.map((kind) => [kind, { phase: 'inactive', sinceS: 0, lastValueBpm: null }]),
  )

  constructor(private limits: AlarmLimits) {}

  setLimits(limits: AlarmLimits): void {
    this.limits = limits
  }

  phase(kind: AlarmKind): AlarmPhase {
    return this.track(kind).phase
  }

  /** Feeds the displayed HR at stream time `atS`; returns the transitions it caused. */
  update(display: DisplayedHr, atS: number): AlarmEvent[] {
    // Limits are judged on the number the bedside sees, never on a withheld estimate.
    const hr = display.state === 'reliable' ? display.hrBpm : null
    const conditions = this.conditions(hr, display.state === 'no-signal')
    const events: AlarmEvent[] = []
    // A withheld HR (unreliable, checking, warming up) says nothing about the limits: HR alarms keep their state.
    const hrUnknown = hr === null && display.state !== 'no-signal'
    for (const kind of ALARM_KINDS) {
      const track = this.track(kind)
      const condition = conditions[kind]
      if (hrUnknown && condition.limitBpm !== null) continue
      if (condition.holds) {
        if (hr !== null && condition.limitBpm !== null) track.lastValueBpm = hr
        if (track.phase === 'inactive') {
          track.phase = 'pending'
          track.sinceS = atS
        }
        if (track.phase === 'pending' && atS - track.sinceS >= condition.sustainS) {
          track.phase = 'raised'
          events.push(this.event(kind, 'raised', atS, condition.message, condition.limitBpm))
        }
      } else if (track.phase === 'raised' || track.phase === 'acknowledged') {
        track.phase = 'inactive'
        events.push(this.event(kind, 'cleared', atS, `${condition.message}: cleared`, condition.limitBpm))
        track.lastValueBpm = null
      } else {
        track.phase = 'inactive'
        track.lastValueBpm = null
      }
    }
    return events
  }

  /** A nurse acknowledges a raised alarm; returns the transition, or null if nothing was raised. */
  acknowledge(kind: AlarmKind, atS: number): AlarmEvent | null {
    const track = this.track(kind)
    if (track.phase !== 'raised') return null
    track.phase = 'acknowledged'
    const condition = this.conditions(track.lastValueBpm, kind === 'signal-lost')[kind]
    return this.event(kind, 'acknowledged', atS, condition.message, condition.limitBpm)
  }

  reset(): void {
    for (const track of this.tracks.values()) {
      track.phase = 'inactive'
      track.lastValueBpm = null
    }
  }

  private track(kind: AlarmKind): AlarmTrack {
    return this.tracks.get(kind) as AlarmTrack
  }

  private conditions(hr: number | null, signalMissing: boolean): Record<AlarmKind, Condition> {
    const { hrHighBpm, hrLowBpm, sustainSeconds, signalLostSeconds } = this.limits
    return {
      'hr-high': {
        holds: hr !== null && hr > hrHighBpm,
        sustainS: sustainSeconds,
        message: `Heart rate above ${hrHighBpm} bpm`,
        limitBpm: hrHighBpm,
      },
      'hr-low': {
        holds: hr !== null && hr < hrLowBpm,
        sustainS: sustainSeconds,
        message: `Heart rate below ${hrLowBpm} bpm`,
        limitBpm: hrLowBpm,
      },
      'signal-lost': { holds: signalMissing, sustainS: signalLostSeconds, message: 'Signal lost: check the chestpiece', limitBpm: null },
    }
  }

  private event(kind: AlarmKind, state: AlarmEvent['state'], atS: number, message: string, limitBpm: number | null): AlarmEvent {
    const value = this.track(kind).lastValueBpm
    return {
      type: 'alarm',
      kind,
      state,
      atS,
      message,
      priority: ALARM_PRIORITY[kind],
      ...(limitBpm !== null ? { limitBpm } : {}),
      ...(limitBpm !== null && value !== null ? { valueBpm: Math.round(value) } : {}),
    }
  }
}
