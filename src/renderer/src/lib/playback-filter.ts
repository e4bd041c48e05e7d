/**
 * Session playback through the same listening filters as live listening (bell, diaphragm, wide),
 * or none. The whole recording is at hand, so the filter can start as if it had been running
 * before the first sample: no start-up thump from a band-pass meeting the signal cold.
 */
import { createListeningFilter, type ListeningFilterMode } from '../../../core/dsp/listening-filters'
import { LISTENING_FILTER_CHOICES, type ListeningFilterChoice } from './listening-filter-choices'

export type PlaybackFilter = ListeningFilterMode | 'off'

export const PLAYBACK_FILTER_CHOICES: readonly ListeningFilterChoice<PlaybackFilter>[] = [
  ...LISTENING_FILTER_CHOICES,
  { mode: 'off', label: 'Off', band: 'unfiltered, as recorded', key: '0' },
]

/**
 * Lead-in the filter runs on before the first sample. The slowest part of any listening filter
 * is its 20-Hz edge, whose 8-pole ringing dies away within ~0.2 s; 0.5 s leaves it far below
 * the recording's own noise.
 */
export const PLAYBACK_FILTER_LEAD_IN_S = 0.5

/**
 * `samples` through `filter` (causal, as live listening hears it). The filter is primed on an odd
 * mirror image of the recording's start (2·x₀ − x[k], as filtfilt pads its edges), which joins
 * the recording without a step in level or slope, so the output starts in steady state.
 * 'off' returns the samples themselves.
 */
export function filterForPlayback(samples: Float32Array, sampleRateHz: number, filter: PlaybackFilter): Float32Array {
  if (filter === 'off' || samples.length === 0) return samples
  const cascade = createListeningFilter(filter, sampleRateHz)
  const first = samples[0]!
  const leadIn = Math.min(samples.length - 1, Math.round(PLAYBACK_FILTER_LEAD_IN_S * sampleRateHz))
  if (leadIn > 0) {
    const mirror = new Float64Array(leadIn)
    for (let i = 0; i < leadIn; i++) mirror[i] = 2 * first - samples[leadIn - i]!
    cascade.settle(mirror[0]!)
    cascade.processInPlace(mirror)
  } else cascade.settle(first)
  return cascade.process(samples)
}
