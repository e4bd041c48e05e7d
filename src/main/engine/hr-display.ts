/**
 * The heart rate a clinician sees: smoothed over recent confident windows, and replaced by a
 * stated reason ("no reliable HR") when the current window cannot be trusted. A wrong number at the
 * bedside is worse than no number.
 */
import type { DisplayedHr, SignalQualityFlag } from '../../core/monitor/monitor-events'

export interface WindowReading {
  hrBpm: number | null
  confidence: number
  flags: SignalQualityFlag[]
}

export interface HrDisplayOptions {
  /** Windows below this confidence are not shown. The production head's confidence is the
   * probability mass within ±5 bpm of its estimate, so 0.5 means "more likely than not within 5 bpm". */
  minConfidence: number
  /** Median over this many recent confident windows (3 s at a 1-s hop: steady, yet follows a
   * real change within a few seconds). */
  smoothingWindows: number
  /** A confident window older than this many hops no longer counts for smoothing. */
  maxAgeWindows: number
}

export const DEFAULT_HR_DISPLAY_OPTIONS: HrDisplayOptions = { minConfidence: 0.5, smoothingWindows: 3, maxAgeWindows: 5 }

const FLAG_REASONS: Record<SignalQualityFlag, string> = {
  silence: 'no signal: place the chestpiece on the chest',
  'contact-lost': 'contact lost: the chestpiece was lifted',
  clipping: 'input too loud (clipping): lower the input gain',
  noise: 'noise or movement',
}

export class HrDisplay {
  private recent: Array<{ seq: number; hrBpm: number }> = []
  private seq = 0

  constructor(private readonly options: HrDisplayOptions = DEFAULT_HR_DISPLAY_OPTIONS) {}

  update(reading: WindowReading): DisplayedHr {
    this.seq++
    this.recent = this.recent.filter((entry) => this.seq - entry.seq < this.options.maxAgeWindows)
    if (reading.flags.includes('silence') || reading.flags.includes('contact-lost')) {
      this.recent = []
      const flag = reading.flags.includes('silence') ? 'silence' : 'contact-lost'
      return { hrBpm: null, state: 'no-signal', reason: FLAG_REASONS[flag] }
    }
    if (reading.hrBpm === null || reading.confidence < this.options.minConfidence || reading.flags.includes('clipping')) {
      const flag = reading.flags.find((f) => f === 'clipping' || f === 'noise')
      const reason = flag ? FLAG_REASONS[flag] : reading.hrBpm === null ? 'no model result' : `low confidence (${Math.round(reading.confidence * 100)} %)`
      return { hrBpm: null, state: 'unreliable', reason }
    }
    this.recent.push({ seq: this.seq, hrBpm: reading.hrBpm })
    const last = this.recent.slice(-this.options.smoothingWindows).map((entry) => entry.hrBpm).sort((a, b) => a - b)
    const middle = Math.floor(last.length / 2)
    const median = last.length % 2 === 1 ? (last[middle] as number) : ((last[middle - 1] as number) + (last[middle] as number)) / 2
    return { hrBpm: median, state: 'reliable' }
  }

  reset(): void {
    this.recent = []
    this.seq = 0
  }
}
