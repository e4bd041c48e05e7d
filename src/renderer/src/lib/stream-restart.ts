/**
 * When the live stream starts a new time line, and which window events still belong to the one
 * the strip chart shows. The monitor numbers samples from 0 at every (re)start, and beat marks
 * are placed by that number, so marks from an older stream must never meet a newer one's samples.
 */

/** What these checks need of the strip chart's buffer (PcgBuffer). */
export interface StreamPosition {
  /** Samples held; 0 after a clear. */
  readonly length: number
  /** Stream index one past the newest sample held. */
  readonly lastSampleIndex: number
  readonly sampleRateHz: number
}

/** A pcg event starts a new time line: another source, or stream time going back. */
export function isRestart(
  currentSourceId: string | null,
  buffer: StreamPosition,
  event: { sourceId: string; firstSampleIndex: number },
): boolean {
  if (buffer.length === 0) return false
  return (currentSourceId !== null && event.sourceId !== currentSourceId) || event.firstSampleIndex < buffer.lastSampleIndex
}

/**
 * Whether a window event belongs to the stream the buffer holds. A window analysed just before a
 * restart can arrive after it; its beats lie at times the new stream has not reached yet.
 */
export function isWindowOfStream(
  currentSourceId: string | null,
  buffer: StreamPosition,
  event: { sourceId: string; windowEndS: number },
): boolean {
  if (currentSourceId !== null && event.sourceId !== currentSourceId) return false
  // Nothing held (before the first chunk, or just cleared for a new source): nothing to mark.
  if (buffer.length === 0 || buffer.sampleRateHz === 0) return false
  // A window's event follows its analysis, so it ends at or before the newest strip-chart sample;
  // 1 s of slack covers the strip chart's 100-ms batching and any reordering in transport.
  return event.windowEndS <= buffer.lastSampleIndex / buffer.sampleRateHz + 1
}
