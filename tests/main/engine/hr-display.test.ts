import { describe, expect, it } from 'vitest'
import { HrDisplay } from '../../../src/main/engine/hr-display'

describe('HrDisplay', () => {
  it('shows the median of the recent confident windows', () => {
    const display = new HrDisplay()
    expect(display.update({ hrBpm: 80, confidence: 0.9, flags: [] })).toEqual({ hrBpm: 80, state: 'reliable' })
    display.update({ hrBpm: 82, confidence: 0.9, flags: [] })
    // One outlier among three: the median keeps the display steady.
    expect(display.update({ hrBpm: 160, confidence: 0.9, flags: [] }).hrBpm).toBe(82)
  })

  it('says "no reliable HR" with a reason instead of a low-confidence number', () => {
    const display = new HrDisplay()
    const shown = display.update({ hrBpm: 95, confidence: 0.2, flags: [] })
    expect(shown.hrBpm).toBeNull()
    expect(shown.state).toBe('unreliable')
    expect(shown.reason).toMatch(/low confidence \(20 %\)/)
  })

  it('reports lost signal and forgets old readings', () => {
    const display = new HrDisplay()
    display.update({ hrBpm: 70, confidence: 0.9, flags: [] })
    expect(display.update({ hrBpm: 70, confidence: 0.9, flags: ['silence'] }).state).toBe('no-signal')
    // After the gap, the old 70 must not leak into the new median.
    expect(display.update({ hrBpm: 100, confidence: 0.9, flags: [] }).hrBpm).toBe(100)
  })

  it('withholds the HR while the input clips', () => {
    const display = new HrDisplay()
    const shown = display.update({ hrBpm: 90, confidence: 0.95, flags: ['clipping'] })
    expect(shown.hrBpm).toBeNull()
    expect(shown.reason).toMatch(/clipping/)
  })
})
