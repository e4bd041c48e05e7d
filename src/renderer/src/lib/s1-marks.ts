/**
 * Where to draw S1 marks on the strip chart: peaks of a coarse amplitude envelope, then S1 told
 * from S2 by the cardiac cycle's asymmetry (systole, S1→S2, is shorter than diastole, S2→S1, at
 * any rate a monitor meets). A display aid, not a measurement: the HR comes from the model.
 */

/** Envelope bins per second: 5-ms bins resolve heart sounds (~100 ms long) comfortably. */
export const ENVELOPE_RATE_HZ = 200

/** Max-abs envelope of `read(0..length-1)` at ENVELOPE_RATE_HZ. */
export function coarseEnvelope(read: (i: number) => number, length: number, sampleRateHz: number): Float32Array {
  const bin = Math.max(1, Math.round(sampleRateHz / ENVELOPE_RATE_HZ))
  const out = new Float32Array(Math.floor(length / bin))
  for (let b = 0; b < out.length; b++) {
    let peak = 0
    for (let i = b * bin; i < (b + 1) * bin; i++) peak = Math.max(peak, Math.abs(read(i)))
    out[b] = peak
  }
  return out
}

/** Envelope-bin indices of S1 sounds; `hrBpm` (when known) sets the minimum spacing of sounds. */
export function findS1Marks(envelope: Float32Array, hrBpm: number | null): number[] {
  if (envelope.length < ENVELOPE_RATE_HZ) return []
  const smooth = new Float32Array(envelope.length)
  const half = 4 // ±20 ms moving average: merges the split components of one sound
  for (let i = 0; i < envelope.length; i++) {
    let sum = 0
    let n = 0
    for (let j = Math.max(0, i - half); j <= Math.min(envelope.length - 1, i + half); j++) {
      sum += envelope[j]!
      n++
    }
    smooth[i] = sum / n
  }
  const sorted = Array.from(smooth).sort((a, b) => a - b)
  const high = sorted[Math.floor(sorted.length * 0.98)] ?? 0
  if (high <= 0) return []
  const threshold = 0.35 * high
  const periodBins = hrBpm ? (60 / hrBpm) * ENVELOPE_RATE_HZ : ENVELOPE_RATE_HZ
  // Heart sounds of one cycle are ≥ ~0.2 of a period apart (systole is ~1/3 of the cycle).
  const minGap = Math.max(0.12 * ENVELOPE_RATE_HZ, 0.2 * periodBins)
  const peaks: number[] = []
  for (let i = 1; i < smooth.length - 1; i++) {
    const v = smooth[i]!
    if (v < threshold || v < smooth[i - 1]! || v < smooth[i + 1]!) continue
    const last = peaks[peaks.length - 1]
    if (last !== undefined && i - last < minGap) {
      if (v > smooth[last]!) peaks[peaks.length - 1] = i
      continue
    }
    peaks.push(i)
  }
  const marks: number[] = []
  for (let k = 0; k < peaks.length; k++) {
    const prev = k > 0 ? peaks[k]! - peaks[k - 1]! : Infinity
    const next = k < peaks.length - 1 ? peaks[k + 1]! - peaks[k]! : Infinity
    if (next === Infinity && prev === Infinity) continue
    // S1 opens the short interval (systole); with one neighbour only, compare to the expected systole.
    const isS1 = next !== Infinity && prev !== Infinity ? next < prev : next !== Infinity ? next < 0.45 * periodBins : prev > 0.45 * periodBins
    if (isS1) marks.push(peaks[k]!)
  }
  return marks
}
