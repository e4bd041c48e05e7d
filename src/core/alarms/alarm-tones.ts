/**
 * Auditory alarm signals after IEC 60601-1-8 (tables of pulse and burst characteristics): the
 * pulse and burst timing of each priority, and the synthesis of one burst as samples. Pure, so
 * the timing, pulse counts and harmonics are tested on the very samples that are played (Web
 * Audio in the page, or any output that takes Float32 samples). Choices and their reasons:
 * docs/alarms.md.
 *
 * The standard's figures used here:
 * - pulse frequency f0 150–1000 Hz, at least 4 harmonics in 300–4000 Hz;
 * - effective pulse duration td: medium and low 125–250 ms; rise time 10–20 % of td;
 * - pulses per burst: medium 3, low 1 or 2;
 * - pulse spacing ts (end of one pulse to the start of the next): medium and low 125–250 ms;
 * - interburst interval tb (end of a burst to the start of the next): medium 2.5–30 s, low > 15 s
 *   or not repeated;
 * - at most 10 dB between any two pulses of a burst.
 * High priority (10 pulses) is specified too, for completeness; no alarm of this monitor uses it.
 */
import { InvalidArgumentError } from '../errors'
import type { AlarmPriority } from '../monitor/monitor-events'

export interface TonePulse {
  /** From the burst's start to the pulse's start (its rise), seconds. */
  startS: number
  /** Effective duration td, from the start of the rise to the end of the fall, seconds. */
  durationS: number
  riseS: number
  fallS: number
  /** Fundamental frequency f0. */
  frequencyHz: number
}

export interface BurstSpec {
  priority: AlarmPriority
  pulses: TonePulse[]
  /** From the first pulse's start to the last pulse's end. */
  durationS: number
  /** Interburst interval tb: from this burst's end to the next burst's start. */
  interburstS: number
}

/** Relative amplitudes of the fundamental and its harmonics 2…5: four harmonics, all within 10.5 dB of the fundamental. */
export const HARMONIC_AMPLITUDES: readonly number[] = [1, 0.7, 0.5, 0.4, 0.3]

/** C4, E4, G4: a rising triad, after the standard's cardiac melody (Annex F) for the medium burst. */
const C4 = 261.63
const E4 = 329.63
const G4 = 392

const PULSE_S = 0.2
/** Medium and low pulse spacing y (125–250 ms); high x (50–125 ms). */
const SPACING_Y_S = 0.15
const SPACING_X_S = 0.08
const HIGH_PULSE_S = 0.15

/** Seconds between bursts while an alarm of that priority sounds (tb; low: > 15 s). */
export const INTERBURST_S: Readonly<Record<AlarmPriority, number>> = { high: 5, medium: 5, low: 17 }

function pulsesAt(frequencies: number[], durationS: number, gapsS: number[]): TonePulse[] {
  const pulses: TonePulse[] = []
  let t = 0
  frequencies.forEach((frequencyHz, i) => {
    // Rise and fall 15 % of td (the standard: rise 10–20 %): 30 ms for a 200-ms pulse.
    const riseS = Math.round(durationS * 0.15 * 1e4) / 1e4
    pulses.push({ startS: t, durationS, riseS, fallS: riseS, frequencyHz })
    t += durationS + (gapsS[i] ?? 0)
  })
  return pulses
}

/** The burst of one priority. */
export function burstFor(priority: AlarmPriority): BurstSpec {
  let pulses: TonePulse[]
  if (priority === 'medium') {
    pulses = pulsesAt([C4, E4, G4], PULSE_S, [SPACING_Y_S, SPACING_Y_S])
  } else if (priority === 'low') {
    // Two falling pulses (E4, C4): the low burst may have 1 or 2; two are easier to tell from a click.
    pulses = pulsesAt([E4, C4], PULSE_S, [SPACING_Y_S])
  } else {
    // 3 + 2 pulses with the standard's 2x + td pause after the third, then 0.35–1.30 s between the halves.
    const x = SPACING_X_S
    const gaps = [x, x, 2 * x + HIGH_PULSE_S, x, 0.5, x, x, 2 * x + HIGH_PULSE_S, x]
    pulses = pulsesAt([C4, E4, G4, G4, C4 * 2, C4, E4, G4, G4, C4 * 2], HIGH_PULSE_S, gaps)
  }
  const last = pulses[pulses.length - 1] as TonePulse
  return { priority, pulses, durationS: last.startS + last.durationS, interburstS: INTERBURST_S[priority] }
}

/** Gain envelope of one pulse at `t` seconds after its start: linear rise, flat top, linear fall. */
export function pulseEnvelope(pulse: TonePulse, t: number): number {
  if (t < 0 || t >= pulse.durationS) return 0
  if (t < pulse.riseS) return t / pulse.riseS
  const untilEnd = pulse.durationS - t
  if (untilEnd < pulse.fallS) return untilEnd / pulse.fallS
  return 1
}

/**
 * One burst as mono samples (peak `peak`, default -6 dBFS so that it can be mixed over the heart
 * sound without clipping). Harmonics above the Nyquist frequency are left out.
 */
export function synthesizeBurst(spec: BurstSpec, sampleRateHz: number, peak = 0.5): Float32Array<ArrayBuffer> {
  if (!(sampleRateHz >= 8000 && sampleRateHz <= 768_000)) {
    throw new InvalidArgumentError(`alarm tone: sample rate must be 8000–768000 Hz, got ${sampleRateHz}`)
  }
  if (!(peak > 0 && peak <= 1)) throw new InvalidArgumentError(`alarm tone: peak must be in (0, 1], got ${peak}`)
  const out = new Float32Array(Math.ceil(spec.durationS * sampleRateHz))
  const norm = HARMONIC_AMPLITUDES.reduce((a, b) => a + b, 0)
  for (const pulse of spec.pulses) {
    const first = Math.round(pulse.startS * sampleRateHz)
    const count = Math.round(pulse.durationS * sampleRateHz)
    for (let i = 0; i < count && first + i < out.length; i++) {
      const t = i / sampleRateHz
      let v = 0
      HARMONIC_AMPLITUDES.forEach((amplitude, h) => {
        const f = pulse.frequencyHz * (h + 1)
        if (f < sampleRateHz / 2) v += amplitude * Math.sin(2 * Math.PI * f * t)
      })
      out[first + i] = (peak * pulseEnvelope(pulse, t) * v) / norm
    }
  }
  return out
}

/** Stream of burst start times: given the last burst's start (null: none yet), when the next one is due. */
export function nextBurstAtS(spec: BurstSpec, lastBurstStartS: number | null): number | null {
  if (lastBurstStartS === null) return null
  return lastBurstStartS + spec.durationS + spec.interburstS
}
