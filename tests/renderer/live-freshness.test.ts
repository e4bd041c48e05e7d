/** When the live screen must blank the HR, the level and the strip chart, and what it says instead. */
import { describe, expect, it } from 'vitest'
import type { MonitorStatus } from '../../src/core/api/contract'
import { liveBlanking, SIGNAL_STALE_MS, streamBlank, WINDOW_STALE_MS, type LiveTimes } from '../../src/renderer/src/lib/live-freshness'

const status = (patch: Partial<MonitorStatus>): MonitorStatus => ({
  type: 'status',
  state: 'running',
  sourceId: 'demo:/samples/50238_MV.wav',
  modelId: 'ausculta-encoder@1',
  executionProvider: 'cpu',
  droppedWindows: 0,
  analysedWindows: 12,
  ...patch,
})

/** A stream started at t = 0 s, 20 s ago, with a window and a chunk that have just arrived. */
const T0 = 1_000_000
const live = (patch: Partial<LiveTimes> = {}): LiveTimes => ({
  status: status({}),
  switching: false,
  nowMs: T0 + 20_000,
  streamStartedAtMs: T0,
  lastWindowAtMs: T0 + 19_900,
  lastSignalAtMs: T0 + 19_950,
  windowSeconds: 5,
  ...patch,
})

describe('streamBlank', () => {
  it('says why a stream that is not running shows nothing', () => {
    expect(streamBlank(status({ state: 'stopped', stopReason: { kind: 'stopped' } }), false)).toEqual({
      kind: 'stopped',
      title: 'Stopped',
      reason: 'Stopped',
    })
    expect(
      streamBlank(
        status({ state: 'stopped', stopReason: { kind: 'source-failed', detail: '/home/nurse/recordings/broken.wav: not a RIFF file' } }),
        false,
      ),
    ).toEqual({
      kind: 'source-failed',
      title: 'Source failed',
      detail: 'broken.wav: not a RIFF file',
      reason: 'Source failed: broken.wav: not a RIFF file',
    })
    expect(streamBlank(status({ state: 'stopped', stopReason: { kind: 'source-failed' } }), false)?.reason).toBe(
      'Source failed: it could not start',
    )
    expect(streamBlank(status({ state: 'stopped', stopReason: { kind: 'switching' } }), false)?.reason).toBe('Switching source…')
    // An engine without reasons (older backend): still blank, still "Stopped".
    expect(streamBlank(status({ state: 'stopped' }), false)).toEqual({ kind: 'stopped', title: 'Stopped', reason: 'Stopped' })
    expect(streamBlank(status({ state: 'idle', sourceId: null }), false)?.kind).toBe('idle')
    expect(streamBlank(null, false)?.kind).toBe('connecting')
  })

  it('a source being switched to blanks even the old stream that still runs', () => {
    expect(streamBlank(status({}), true)).toEqual({ kind: 'switching', title: 'Switching source…', reason: 'Switching source…' })
    expect(streamBlank(status({}), false)).toBeNull()
  })
})

describe('liveBlanking', () => {
  it('shows everything of a running stream whose windows and chunks keep coming', () => {
    expect(liveBlanking(live())).toEqual({ stream: null, hr: null, signal: null })
  })

  it('blanks the HR, the level and the strip chart together when the stream stops, fails or is switched', () => {
    for (const stopped of [
      live({ status: status({ state: 'stopped', stopReason: { kind: 'stopped' } }) }),
      live({ status: status({ state: 'stopped', stopReason: { kind: 'source-failed', detail: 'port busy' } }) }),
      live({ switching: true }),
    ]) {
      const blank = liveBlanking(stopped)
      expect(blank.stream).not.toBeNull()
      expect(blank.hr).toEqual(blank.stream)
      expect(blank.signal).toEqual(blank.stream)
    }
  })

  it(`marks the HR stale once no window has come for more than ${WINDOW_STALE_MS / 1000} s, though the stream says it runs`, () => {
    const lastWindowAtMs = T0 + 10_000
    // 3 s exactly is still one hop late twice: shown. Past it: withheld, with the age.
    expect(liveBlanking(live({ lastWindowAtMs, nowMs: lastWindowAtMs + WINDOW_STALE_MS })).hr).toBeNull()
    expect(liveBlanking(live({ lastWindowAtMs, nowMs: lastWindowAtMs + WINDOW_STALE_MS + 1 })).hr).toMatchObject({
      kind: 'stale',
      reason: 'No new heart-rate reading for 3 s',
    })
    expect(liveBlanking(live({ lastWindowAtMs, nowMs: lastWindowAtMs + 12_400 })).hr?.reason).toBe('No new heart-rate reading for 12 s')
    // The signal itself still arrives: the strip chart and the level stay.
    expect(
      liveBlanking(live({ lastWindowAtMs, nowMs: lastWindowAtMs + 12_400, lastSignalAtMs: lastWindowAtMs + 12_300 })).signal,
    ).toBeNull()
  })

  it('gives a new stream its first window (5 s of audio) plus the same slack before calling it stale', () => {
    const fresh = { streamStartedAtMs: T0, lastWindowAtMs: null, lastSignalAtMs: T0 + 100 }
    expect(liveBlanking(live({ ...fresh, nowMs: T0 + 100 })).hr).toBeNull()
    expect(liveBlanking(live({ ...fresh, nowMs: T0 + 5000 + WINDOW_STALE_MS, lastSignalAtMs: T0 + 7900 })).hr).toBeNull()
    expect(liveBlanking(live({ ...fresh, nowMs: T0 + 5000 + WINDOW_STALE_MS + 1, lastSignalAtMs: T0 + 7900 })).hr?.reason).toBe(
      'No heart-rate reading for 8 s',
    )
    // A longer model window waits longer.
    expect(liveBlanking(live({ ...fresh, windowSeconds: 10, nowMs: T0 + 9000, lastSignalAtMs: T0 + 8900 })).hr).toBeNull()
  })

  it(`blanks the level and the strip chart after ${SIGNAL_STALE_MS / 1000} s without samples (a cable pulled), from the start too`, () => {
    const lastSignalAtMs = T0 + 15_000
    expect(
      liveBlanking(live({ lastSignalAtMs, nowMs: lastSignalAtMs + SIGNAL_STALE_MS, lastWindowAtMs: lastSignalAtMs })).signal,
    ).toBeNull()
    expect(liveBlanking(live({ lastSignalAtMs, nowMs: lastSignalAtMs + 4500, lastWindowAtMs: lastSignalAtMs })).signal).toMatchObject({
      kind: 'stale',
      reason: 'No sound from the source for 4 s',
    })
    // A source that connects and never sends a sample.
    expect(liveBlanking(live({ lastSignalAtMs: null, lastWindowAtMs: null, nowMs: T0 + 2500 })).signal?.reason).toBe(
      'No sound from the source for 2 s',
    )
  })
})
