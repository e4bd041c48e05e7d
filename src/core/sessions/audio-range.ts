/**
 * Reading a session's audio in pieces: the limits of one request and the typed error for a range
 * the recording does not have. The library never loads an hours-long recording whole (issue 20,
 * item 2: a 3-h session opened whole took 1.47 GB and froze the main process for 39 s).
 */
import { AuscultaError } from '../errors'

/** Most frames one `sessions:audioRange` request returns: 2 MB of float32, 131 s at 4 kHz. */
export const MAX_AUDIO_RANGE_FRAMES = 1 << 19

/** Most pixel columns a `sessions:peaks` request may ask for (an 8K screen is 7680 wide). */
export const MAX_PEAK_COLUMNS = 8192

/** Most buckets a `sessions:peaks` reply carries (4 × columns at most, as levels are 4× apart). */
export const MAX_PEAK_BUCKETS = 4 * MAX_PEAK_COLUMNS

/**
 * Longest recording `sessions:audio` (the whole recording as base64, kept for scripts and short
 * sessions) still answers: 5 min at 4 kHz, 6.4 MB of base64. Longer ones are read in ranges.
 */
export const MAX_WHOLE_AUDIO_FRAMES = 1_200_000

/** A range outside the recording, or a request for more than one reply may carry. */
export class AudioRangeError extends AuscultaError {}

/** Checks [startFrame, startFrame + frames) against a recording of `totalFrames`. */
export function checkAudioRange(sessionId: string, startFrame: number, frames: number, totalFrames: number): void {
  if (!Number.isSafeInteger(startFrame) || startFrame < 0)
    throw new AudioRangeError(`session ${sessionId}: startFrame must be an integer ≥ 0, got ${startFrame}`)
  if (!Number.isSafeInteger(frames) || frames < 1)
    throw new AudioRangeError(`session ${sessionId}: frames must be an integer ≥ 1, got ${frames}`)
  if (frames > MAX_AUDIO_RANGE_FRAMES)
    throw new AudioRangeError(`session ${sessionId}: ${frames} frames asked, at most ${MAX_AUDIO_RANGE_FRAMES} per request`)
  if (startFrame + frames > totalFrames) {
    throw new AudioRangeError(
      `session ${sessionId}: frames ${startFrame}..${startFrame + frames} are outside the recording (0..${totalFrames})`,
    )
  }
}

/** Checks a peaks request's [startFrame, endFrame) against a recording of `totalFrames`. */
export function checkPeakRange(sessionId: string, startFrame: number, endFrame: number, totalFrames: number): void {
  if (!Number.isSafeInteger(startFrame) || startFrame < 0)
    throw new AudioRangeError(`session ${sessionId}: startFrame must be an integer ≥ 0, got ${startFrame}`)
  if (!Number.isSafeInteger(endFrame) || endFrame <= startFrame)
    throw new AudioRangeError(`session ${sessionId}: endFrame ${endFrame} must be after startFrame ${startFrame}`)
  if (endFrame > totalFrames)
    throw new AudioRangeError(`session ${sessionId}: frames ${startFrame}..${endFrame} are outside the recording (0..${totalFrames})`)
}
