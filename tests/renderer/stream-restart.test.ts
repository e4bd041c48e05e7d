/** When the strip chart's time line starts over, and which window events still belong to it. */
import { describe, expect, it } from 'vitest'
import { PcgBuffer } from '../../src/renderer/src/lib/pcg-buffer'
import { isRestart, isWindowOfStream } from '../../src/renderer/src/lib/stream-restart'

const RATE = 4000
/** A buffer fed `seconds` of stream in the monitor's 100-ms chunks. */
function fed(seconds: number): PcgBuffer {
  const buffer = new PcgBuffer(8, 'wide')
  const chunk = RATE / 10
  for (let i = 0; i < seconds * RATE; i += chunk) buffer.append(new Array<number>(chunk).fill(0), RATE, i)
  return buffer
}

describe('isRestart', () => {
  it('the next chunk of the same stream continues it', () => {
    const buffer = fed(12)
    expect(isRestart('demo:a.wav', buffer, { sourceId: 'demo:a.wav', firstSampleIndex: 12 * RATE })).toBe(false)
  })

  it('stream time going back (the monitor restarted at 0) or another source starts over', () => {
    const buffer = fed(12)
    expect(isRestart('demo:a.wav', buffer, { sourceId: 'demo:a.wav', firstSampleIndex: 0 })).toBe(true)
    expect(isRestart('demo:a.wav', buffer, { sourceId: 'serial:/dev/ttyUSB0', firstSampleIndex: 12 * RATE })).toBe(true)
  })

  it('an empty buffer has nothing to start over from', () => {
    expect(isRestart(null, new PcgBuffer(8, 'wide'), { sourceId: 'demo:a.wav', firstSampleIndex: 0 })).toBe(false)
  })
})

describe('isWindowOfStream', () => {
  it('accepts windows up to the newest sample held, refuses later ones (from a longer, older stream)', () => {
    const buffer = fed(12)
    expect(isWindowOfStream('demo:a.wav', buffer, { sourceId: 'demo:a.wav', windowEndS: 11 })).toBe(true)
    // 1 s of slack beyond the newest chunk is allowed for batching; 20 s is another time line.
    expect(isWindowOfStream('demo:a.wav', buffer, { sourceId: 'demo:a.wav', windowEndS: 12.5 })).toBe(true)
    expect(isWindowOfStream('demo:a.wav', buffer, { sourceId: 'demo:a.wav', windowEndS: 20 })).toBe(false)
  })

  it('refuses windows of another source and windows before any samples', () => {
    expect(isWindowOfStream('demo:a.wav', fed(12), { sourceId: 'demo:b.wav', windowEndS: 6 })).toBe(false)
    expect(isWindowOfStream(null, new PcgBuffer(8, 'wide'), { sourceId: 'demo:a.wav', windowEndS: 6 })).toBe(false)
  })
})
