import { InvalidArgumentError } from '../errors'

export interface TimeStretchOptions {
  /**
   * Frame length. Heart sounds go down to ~20 Hz (a 50-ms period): a frame must hold a few
   * periods of what matters or WSOLA cannot find a matching phase and low sounds warble.
   */
  frameS?: number
  /** How far (± seconds) a frame may move from its nominal place to join the previous one in phase. */
  toleranceS?: number
}

export const TIME_STRETCH_DEFAULTS = { frameS: 0.08, toleranceS: 0.02 } as const satisfies Required<TimeStretchOptions>

export const MIN_SPEED = 0.25
export const MAX_SPEED = 4

/**
 * Playback at `speed` × without changing pitch (WSOLA, Verhelst & Roelands 1993): Hann frames are
 * taken from the input every `speed × hop` and overlap-added every `hop` (half a frame) into the
 * output; each frame is nudged within ±tolerance to the place whose waveform best continues the
 * previous frame, so the overlaps add in phase instead of beating. The output lasts
 * duration / speed (round(n / speed) samples) and keeps the input's frequencies.
 * speed = 1 returns a copy.
 */
export function timeStretch(samples: Float32Array, sampleRateHz: number, speed: number, options: TimeStretchOptions = {}): Float32Array {
  const o = { ...TIME_STRETCH_DEFAULTS, ...options }
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz))
    throw new InvalidArgumentError(`sampleRateHz: must be positive and finite, got ${sampleRateHz}`)
  if (!(speed >= MIN_SPEED && speed <= MAX_SPEED))
    throw new InvalidArgumentError(`speed: must be in [${MIN_SPEED}, ${MAX_SPEED}], got ${speed}`)
  if (!(o.frameS > 0) || !(o.toleranceS >= 0))
    throw new InvalidArgumentError(`frameS must be > 0 and toleranceS ≥ 0, got ${o.frameS} and ${o.toleranceS}`)
  if (speed === 1) return Float32Array.from(samples)

  const n = samples.length
  const outLength = Math.round(n / speed)
  const hop = Math.max(1, Math.round((o.frameS * sampleRateHz) / 2))
  const frame = 2 * hop
  const tolerance = Math.round(o.toleranceS * sampleRateHz)
  // Above ~4 kHz the correlation search is done on every `stride`-th sample and offset, then
  // refined around the best coarse offset: the same answer for band-limited heart sounds at a
  // fraction of the cost on 44.1/48 kHz files.
  const stride = Math.max(1, Math.floor(sampleRateHz / 4000))

  const window = new Float64Array(frame)
  // Periodic Hann: copies spaced by half its length sum to exactly 1.
  for (let i = 0; i < frame; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frame)
  const at = (i: number): number => (i >= 0 && i < n ? samples[i]! : 0)

  const out = new Float64Array(outLength + frame)
  const weight = new Float64Array(outLength + frame)
  let previousInput = 0
  for (let k = 0; k * hop < outLength; k++) {
    const outStart = k * hop
    const nominal = Math.round(outStart * speed)
    let inputStart = nominal
    if (k > 0 && tolerance > 0) {
      // The natural continuation of the previous frame starts one hop after it.
      const target = previousInput + hop
      const score = (offset: number, step: number): number => {
        let sum = 0
        const start = nominal + offset
        for (let i = 0; i < frame; i += step) sum += at(target + i) * at(start + i) * window[i]!
        return sum
      }
      // Start from the nominal place and move only for a clearly better join: over silence
      // every offset scores 0, and drifting to the edge of the tolerance would drop or
      // repeat the next sound's onset.
      let best = 0
      let bestScore = score(0, stride)
      for (let offset = -tolerance; offset <= tolerance; offset += stride) {
        const s = score(offset, stride)
        if (s > bestScore + 1e-12) {
          bestScore = s
          best = offset
        }
      }
      if (stride > 1) {
        const coarse = best
        bestScore = score(coarse, 1)
        for (let offset = Math.max(-tolerance, coarse - stride + 1); offset <= Math.min(tolerance, coarse + stride - 1); offset++) {
          const s = score(offset, 1)
          if (s > bestScore + 1e-12) {
            bestScore = s
            best = offset
          }
        }
      }
      inputStart = nominal + best
    }
    for (let i = 0; i < frame; i++) {
      out[outStart + i] = out[outStart + i]! + at(inputStart + i) * window[i]!
      weight[outStart + i] = weight[outStart + i]! + window[i]!
    }
    previousInput = inputStart
  }
  const result = new Float32Array(outLength)
  for (let i = 0; i < outLength; i++) {
    const w = weight[i]!
    result[i] = w > 1e-9 ? out[i]! / w : 0
  }
  return result
}
