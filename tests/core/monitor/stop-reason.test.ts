/** A failed source's message as the screen shows it: file names, not folders; bounded. */
import { describe, expect, it } from 'vitest'
import { MAX_STOP_DETAIL_CHARS } from '../../../src/core/monitor/monitor-events'
import { stopDetail, withFileNames } from '../../../src/core/monitor/stop-reason'

describe('withFileNames', () => {
  it('cuts file paths to the file name and keeps device paths and other text', () => {
    expect(withFileNames('/tmp/ausculta-e2e-samples-Xw/broken.wav: not a RIFF file (starts with "this")')).toBe(
      'broken.wav: not a RIFF file (starts with "this")',
    )
    expect(withFileNames('C:\\Users\\nurse\\a.wav: unsupported format 3')).toBe('a.wav: unsupported format 3')
    expect(withFileNames("cannot open '/home/nurse/x/y.wav' (ENOENT)")).toBe("cannot open 'y.wav' (ENOENT)")
    expect(withFileNames('open /dev/ttyUSB9: Permission denied')).toBe('open /dev/ttyUSB9: Permission denied')
    expect(withFileNames('rate 3/4 of nominal, a/b/c relative')).toBe('rate 3/4 of nominal, a/b/c relative')
  })
})

describe('stopDetail', () => {
  it(`keeps a stop reason's detail within ${MAX_STOP_DETAIL_CHARS} characters (what the contract accepts)`, () => {
    expect(stopDetail('/a/b/c.wav: bad')).toBe('c.wav: bad')
    const long = stopDetail(`device said: ${'x'.repeat(2000)}`)
    expect(long.length).toBe(MAX_STOP_DETAIL_CHARS)
    expect(long.endsWith('…')).toBe(true)
  })
})
