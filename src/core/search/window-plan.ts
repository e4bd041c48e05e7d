/**
 * Where the sound-search windows of a recording start. The encoder reads 5-s windows; search
 * embeds one every `hopSeconds` (2.5 s: half-overlapping, so every moment of the recording lies in
 * two windows and a 3-h session costs about 4,300 windows, a few seconds of one core). The tail
 * that a whole hop does not reach gets one last window ending at the recording's end; a recording
 * shorter than one window gets one window at 0 (zero-padded by the embedder).
 */
import { InvalidArgumentError } from '../errors'

export const SEARCH_HOP_SECONDS = 2.5

export function searchWindowStarts(frames: number, windowSamples: number, hopSamples: number): number[] {
  for (const [name, value] of [
    ['frames', frames],
    ['windowSamples', windowSamples],
    ['hopSamples', hopSamples],
  ] as const) {
    if (!Number.isInteger(value) || value < 0)
      throw new InvalidArgumentError(`searchWindowStarts: ${name} must be a whole number ≥ 0, got ${value}`)
  }
  if (windowSamples === 0 || hopSamples === 0)
    throw new InvalidArgumentError('searchWindowStarts: window and hop must be longer than 0 samples')
  if (frames === 0) return []
  if (frames <= windowSamples) return [0]
  const starts: number[] = []
  for (let start = 0; start + windowSamples <= frames; start += hopSamples) starts.push(start)
  const last = starts[starts.length - 1] as number
  if (last + windowSamples < frames) starts.push(frames - windowSamples)
  return starts
}
