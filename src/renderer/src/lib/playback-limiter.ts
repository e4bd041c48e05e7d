/**
 * Session playback's gain and limiter: the live listening path's look-ahead peak limiter (not a
 * second one), run over the whole prepared buffer, so what is handed to Web Audio never exceeds
 * its ceiling (−1 dBFS) whatever the gain, filter or speed. A filtered recording can already
 * peak above full scale before any gain (50238_MV through the wide filter: 1.04); multiplied by
 * the gain after the buffer, it would clip in the clinician's headphones.
 */
import { InvalidArgumentError } from '../../../core/errors'
import { LISTENING_GAIN_MAX_DB, LISTENING_PATH_DEFAULTS, ListeningPath } from '../../../core/dsp/listening-path'

/** The playback volume slider's linear range (×1 … ×20, i.e. 0 … +26 dB, inside the path's 0 … +30 dB). */
export const PLAYBACK_GAIN_MIN = 1
export const PLAYBACK_GAIN_MAX = 20
/** Heart sounds are quiet: users asked for amplification by default. */
export const PLAYBACK_GAIN_DEFAULT = 4

/** The bound on every sample handed to Web Audio. */
export const PLAYBACK_CEILING = LISTENING_PATH_DEFAULTS.ceiling

/**
 * `audio` × `gain` through the listening path's limiter (filter 'none': playback filters before
 * the time-stretch, on the recording's own time line). Same length and time line as `audio`: the
 * limiter's look-ahead delay is flushed with zeros and trimmed, so the playback cursor stays
 * exact. Wherever |audio × gain| stays below the ceiling (and the limiter is not recovering from
 * a louder moment within its release), the output is audio × gain itself.
 */
export function limitForPlayback(audio: Float32Array, sampleRateHz: number, gain: number): Float32Array {
  if (!(gain >= PLAYBACK_GAIN_MIN && gain <= PLAYBACK_GAIN_MAX)) {
    throw new InvalidArgumentError(`gain: playback gain must be in [${PLAYBACK_GAIN_MIN}, ${PLAYBACK_GAIN_MAX}] (linear), got ${gain}`)
  }
  // The path's gain ramp starts at its target, so the first sample already has the full gain.
  const path = new ListeningPath({ sampleRateHz, filter: 'none', gainDb: Math.min(LISTENING_GAIN_MAX_DB, 20 * Math.log10(gain)) })
  const delay = path.latencySamples
  const padded = new Float32Array(audio.length + delay)
  padded.set(audio)
  return path.process(padded).subarray(delay)
}
