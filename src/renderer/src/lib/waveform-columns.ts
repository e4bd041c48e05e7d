/**
 * What the session waveform draws: the min and max of the recording under each pixel column of
 * a view [startFrame, endFrame), from overview buckets (zoomed out) or from the samples (zoomed
 * in), and where its time ticks go. Pure functions, tested in tests/renderer.
 */

export interface WaveColumns {
  /** Per column; NaN where the view has no audio (past the end). */
  mins: Float32Array
  maxs: Float32Array
}

function emptyColumns(width: number): WaveColumns {
  return { mins: new Float32Array(width).fill(Number.NaN), maxs: new Float32Array(width).fill(Number.NaN) }
}

/**
 * Sets column c to the extent of entries [from, to) of `values`, each `stride` numbers wide with its
 * low first and its high last (stride 2: overview min/max pairs; stride 1: samples). No entries: NaN stays.
 */
function setExtent(out: WaveColumns, c: number, values: Float32Array, from: number, to: number, stride: number): void {
  let lo = Infinity
  let hi = -Infinity
  for (let i = from; i < to; i++) {
    const mn = values[stride * i] as number
    const mx = values[stride * i + stride - 1] as number
    if (mn < lo) lo = mn
    if (mx > hi) hi = mx
  }
  if (lo <= hi) {
    out.mins[c] = lo
    out.maxs[c] = hi
  }
}

/**
 * Columns from overview buckets: bucket b covers frames [b·spb, (b+1)·spb); `minMax` holds
 * buckets firstBucket, firstBucket + 1, …. Each column takes every bucket it overlaps.
 */
export function columnsFromPeaks(
  minMax: Float32Array,
  firstBucket: number,
  samplesPerBucket: number,
  startFrame: number,
  endFrame: number,
  width: number,
): WaveColumns {
  const out = emptyColumns(width)
  const buckets = minMax.length / 2
  const perColumn = (endFrame - startFrame) / width
  for (let c = 0; c < width; c++) {
    const f0 = startFrame + c * perColumn
    const f1 = f0 + perColumn
    const b0 = Math.max(0, Math.floor(f0 / samplesPerBucket) - firstBucket)
    const b1 = Math.min(buckets, Math.max(Math.floor(f0 / samplesPerBucket) + 1, Math.ceil(f1 / samplesPerBucket)) - firstBucket)
    setExtent(out, c, minMax, b0, b1, 2)
  }
  return out
}

/**
 * Columns from samples: `samples` holds frames [samplesStart, samplesStart + length). Under one
 * frame per column, each column takes the sample at its left edge (the drawing joins them).
 */
export function columnsFromSamples(
  samples: Float32Array,
  samplesStart: number,
  startFrame: number,
  endFrame: number,
  width: number,
): WaveColumns {
  const out = emptyColumns(width)
  const perColumn = (endFrame - startFrame) / width
  for (let c = 0; c < width; c++) {
    const f0 = startFrame + c * perColumn
    const i0 = Math.max(0, Math.floor(f0) - samplesStart)
    const i1 = Math.min(samples.length, Math.max(Math.floor(f0) + 1, Math.ceil(f0 + perColumn)) - samplesStart)
    setExtent(out, c, samples, i0, i1, 1)
  }
  return out
}

/** Largest |sample| in an overview (the scale every view of the session is drawn at). */
export function peakOf(minMax: Float32Array): number {
  let peak = 0
  for (let i = 0; i < minMax.length; i++) peak = Math.max(peak, Math.abs(minMax[i] as number))
  return peak
}

const TICK_STEPS_S = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400]

/** Seconds between time ticks so that they stand at least `minPx` apart over `widthPx` showing `durationS`. */
export function tickStepS(durationS: number, widthPx: number, minPx: number): number {
  for (const step of TICK_STEPS_S) if ((step / durationS) * widthPx >= minPx) return step
  return TICK_STEPS_S[TICK_STEPS_S.length - 1] as number
}

/** A tick label: `m:ss` (or `h:mm:ss`), with tenths or hundredths when the step needs them. */
export function formatTick(timeS: number, stepS: number): string {
  const decimals = stepS < 0.1 ? 2 : stepS < 1 ? 1 : 0
  const hours = Math.floor(timeS / 3600)
  const minutes = Math.floor((timeS % 3600) / 60)
  const seconds = timeS % 60
  const s = seconds.toFixed(decimals).padStart(decimals > 0 ? 3 + decimals : 2, '0')
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${s}` : `${minutes}:${s}`
}
