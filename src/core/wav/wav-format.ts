import { FormatError } from '../errors'

/**
 * Sample encodings Ausculta reads and writes. Integer PCM follows the WAVE convention:
 * 8-bit is unsigned (offset 128), wider integers are signed little-endian.
 */
export type WavSampleFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32'

export const WAV_SAMPLE_FORMATS: readonly WavSampleFormat[] = ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32']

/** A RIFF/WAVE file that is truncated, corrupt or uses an encoding we do not decode. */
export class WavFormatError extends FormatError {}

/** `wFormatTag` values of the fmt chunk that matter to us. */
export const WAVE_FORMAT_PCM = 0x0001
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe

/** Names for format tags we meet in the wild but do not decode, so errors say what the file is. */
const FORMAT_TAG_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'unknown',
  0x0001: 'PCM',
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MPEG layer 3',
  0xfffe: 'extensible',
}

export function formatTagName(tag: number): string {
  return FORMAT_TAG_NAMES[tag] ?? `tag 0x${tag.toString(16).padStart(4, '0')}`
}

export function bytesPerSample(format: WavSampleFormat): number {
  switch (format) {
    case 'pcm8':
      return 1
    case 'pcm16':
      return 2
    case 'pcm24':
      return 3
    case 'pcm32':
    case 'float32':
      return 4
  }
}

export function formatTagOf(format: WavSampleFormat): number {
  return format === 'float32' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM
}

export function isWavSampleFormat(value: unknown): value is WavSampleFormat {
  return typeof value === 'string' && (WAV_SAMPLE_FORMATS as readonly string[]).includes(value)
}
