/**
 * The listening filters as the screens name them, one list for the live screen and session
 * playback alike, so "Bell" means the same band everywhere. Bands come from the DSP definition.
 */
import { LISTENING_FILTERS, type ListeningFilterMode } from '../../../core/dsp/listening-filters'

export interface ListeningFilterChoice<M extends string = ListeningFilterMode> {
  mode: M
  label: string
  /** The pass band in words, e.g. "20–200 Hz". */
  band: string
  /** Shortcut key on the live screen. */
  key: string
}

const band = (mode: ListeningFilterMode): string => `${LISTENING_FILTERS[mode].lowHz}–${LISTENING_FILTERS[mode].highHz} Hz`

export const LISTENING_FILTER_CHOICES: readonly ListeningFilterChoice[] = [
  { mode: 'bell', label: 'Bell', band: band('bell'), key: '1' },
  { mode: 'diaphragm', label: 'Diaphragm', band: band('diaphragm'), key: '2' },
  { mode: 'wide', label: 'Wide', band: band('wide'), key: '3' },
]
