/**
 * Bedside alarms as explicit state machines: HR above / below limits for a sustained time, and
 * signal lost. Each alarm goes inactive → raised → (acknowledged) → cleared → inactive; a nurse's
 * acknowledgement silences it until the condition ends, and a new episode raises it again.
 */
import type { AlarmEvent, AlarmKind, AlarmLimits, DisplayedHr } from '../../core/monitor/monitor-events'

type Phase = 'inactive' | 'pending' | 'raised' | 'acknowledged'

interface AlarmTrack {
  phase: Phase
  /** Stream time at which the condition started holding (while pending or active). */
  sinceS: number
}

const KINDS: AlarmKind[] = ['hr-high', 'hr-low', 'signal-lost']

export class AlarmMachine {
  private readonly tracks = new Map<AlarmKind, AlarmTrack>(KINDS.map((kind) => [kind, { phase: 'inactive', sinceS: 0 }]))

  constructor(private limits: AlarmLimits) {}

  setLimits(limits: AlarmLimits): void {
    this.limits = limits
  }

  phase(kind: AlarmKind): Phase {
    return (this.tracks.get(kind) as AlarmTrack).phase
  }

  /** Feeds the displayed HR at stream time `atS`; returns the transitions it caused. */
  update(display: DisplayedHr, atS: number): AlarmEvent[] {
    const hr = display.state === 'reliable' ? display.hrBpm : null
    const signalMissing = display.state === 'no-signal'
    const events: AlarmEvent[] = []
    const conditions: Record<AlarmKind, { holds: boolean; sustainS: number; message: string }> = {
      'hr-high': {
        holds: hr !== null && hr > this.limits.hrHighBpm,
        sustainS: this.limits.sustainSeconds,
        message: `Heart rate above ${this.limits.hrHighBpm} bpm`,
      },
      'hr-low': {
        holds: hr !== null && hr < this.limits.hrLowBpm,
        sustainS: this.limits.sustainSeconds,
        message: `Heart rate below ${this.limits.hrLowBpm} bpm`,
      },
      'signal-lost': { holds: signalMissing, sustainS: this.limits.signalLostSeconds, message: 'Signal lost: check the chestpiece' },
    }
    for (const kind of KINDS) {
      const track = this.tracks.get(kind) as AlarmTrack
      const { holds, sustainS, message } = conditions[kind]
      if (holds) {
        if (track.phase === 'inactive') {
          track.phase = 'pending'
          track.sinceS = atS
        }
        if (track.phase === 'pending' && atS - track.sinceS >= sustainS) {
          track.phase = 'raised'
          events.push({ type: 'alarm', kind, state: 'raised', atS, message })
        }
      } else if (track.phase === 'raised' || track.phase === 'acknowledged') {
        track.phase = 'inactive'
        events.push({ type: 'alarm', kind, state: 'cleared', atS, message: `${message}: cleared` })
      } else {
        track.phase = 'inactive'
      }
    }
    return events
  }

  /** A nurse acknowledges a raised alarm; returns the transition, or null if nothing was raised. */
  acknowledge(kind: AlarmKind, atS: number): AlarmEvent | null {
    const track = this.tracks.get(kind) as AlarmTrack
    if (track.phase !== 'raised') return null
    track.phase = 'acknowledged'
    return { type: 'alarm', kind, state: 'acknowledged', atS, message: 'Alarm acknowledged' }
  }

  reset(): void {
    for (const track of this.tracks.values()) track.phase = 'inactive'
  }
}
