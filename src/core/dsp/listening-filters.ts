import { InvalidArgumentError } from '../errors'
import { BiquadCascade } from './biquad'
import { butterworthBandpass, butterworthHighpass } from './butterworth'

/**
 * Bands that mimic a stethoscope's chest piece: the bell passes low-pitched sounds (S3, S4,
 * mitral stenosis rumble), the diaphragm the higher ones (S1/S2, most murmurs, clicks).
 */
export const LISTENING_FILTERS = {
  bell: { lowHz: 20, highHz: 200 },
  diaphragm: { lowHz: 100, highHz: 500 },
  wide: { lowHz: 20, highHz: 1000 },
} as const

export type ListeningFilterMode = keyof typeof LISTENING_FILTERS

/** Prototype order of the listening band-passes (8 poles: ≥ 24 dB one octave outside the band). */
export const LISTENING_FILTER_ORDER = 4

export function isListeningFilterMode(value: unknown): value is ListeningFilterMode {
  return typeof value === 'string' && Object.hasOwn(LISTENING_FILTERS, value)
}

/**
 * A fresh streaming band-pass for `mode` at `sampleRateHz`. Where the band's top edge is at or
 * above Nyquist (e.g. `wide` on a 2 kHz source) the top edge is meaningless, so it degrades to
 * a high-pass at the bottom edge.
 */
export function createListeningFilter(mode: ListeningFilterMode, sampleRateHz: number): BiquadCascade {
  if (!isListeningFilterMode(mode)) {
    throw new InvalidArgumentError(`mode: unknown listening filter ${JSON.stringify(mode)} (bell, diaphragm or wide)`)
  }
  const { lowHz, highHz } = LISTENING_FILTERS[mode]
  if (!(sampleRateHz > 2 * lowHz) || !Number.isFinite(sampleRateHz)) {
    throw new InvalidArgumentError(`sampleRateHz: ${sampleRateHz} is too low for the ${mode} filter (needs > ${2 * lowHz} Hz)`)
  }
  const sections =
    highHz < sampleRateHz / 2
      ? butterworthBandpass(LISTENING_FILTER_ORDER, lowHz, highHz, sampleRateHz)
      : butterworthHighpass(LISTENING_FILTER_ORDER, lowHz, sampleRateHz)
  return new BiquadCascade(sections)
}
