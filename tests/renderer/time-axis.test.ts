/** The session views' time axis: the view's start at x = 0, its end at the width; visible means any overlap, edges included. */
import { describe, expect, it } from 'vitest'
import { timeAxis } from '../../src/renderer/src/lib/time-axis'

describe('time axis', () => {
  const { xOf, visible } = timeAxis({ startS: 10, durationS: 4 }, 800)

  it('maps the view onto the canvas width', () => {
    expect(xOf(10)).toBe(0)
    expect(xOf(12)).toBe(400)
    expect(xOf(14)).toBe(800)
    expect(xOf(9)).toBe(-200)
  })

  it('counts a stretch as visible when any of it is in the view', () => {
    expect(visible(10, 10)).toBe(true)
    expect(visible(14, 14)).toBe(true)
    expect(visible(5, 20)).toBe(true)
    expect(visible(9, 9.99)).toBe(false)
    expect(visible(14.01, 15)).toBe(false)
  })
})
