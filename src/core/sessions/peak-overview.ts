/**
 * A session's multi-resolution peak overview (as audiowaveform's .dat and wavesurfer's peaks):
 * per level, the minimum and maximum sample of every bucket of `samplesPerBucket` frames, at
 * 128 · 4^k frames per bucket (32 ms … 33 s at 4 kHz). The library draws any stretch of an
 * hours-long recording from the coarsest level that still gives every pixel column at least one
 * bucket, so drawing never needs the audio itself until one column is under 128 frames.
 *
 * Values are the samples exactly as the WAV reader returns them (float32, clipped into [-1, 1)),
 * so a bucket's min/max equals min/max over `decodeWav` of the same frames, bit for bit.
 * The last bucket of a level may be partial. 3 h at 4 kHz: 450 k buckets, 3.6 MB (2 % of the WAV).
 *
 * File (`peaks.bin` in the session folder), little-endian:
 *   0  "APKS"            magic
 *   4  u32 version (1)
 *   8  u32 sampleRateHz
 *   12 u32 level count L
 *   16 f64 frames        the WAV's frame count when the overview was made (a stale file is rebuilt)
 *   24 L × (u32 samplesPerBucket, u32 buckets)
 *   …  each level's buckets in order: f32 min, f32 max
 */
import { CorruptSessionError } from './session-errors'

export const PEAK_BASE_SAMPLES_PER_BUCKET = 128
export const PEAK_LEVEL_FACTOR = 4
export const PEAK_LEVEL_COUNT = 6
/** samplesPerBucket of every level, finest first: 128, 512, …, 131072. */
export const PEAK_LEVELS: readonly number[] = Array.from(
  { length: PEAK_LEVEL_COUNT },
  (_, k) => PEAK_BASE_SAMPLES_PER_BUCKET * PEAK_LEVEL_FACTOR ** k,
)

export const PEAK_FILE_MAGIC = 'APKS'
export const PEAK_FILE_VERSION = 1
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f
const HEADER_BYTES = 24
const LEVEL_ENTRY_BYTES = 8
const MAX_LEVELS = 16

/** The largest float32 below 1: float WAVs are written and read clipped into [-1, 1). */
const FLOAT_MAX_BELOW_ONE = 1 - 2 ** -24

export interface PeakLevel {
  samplesPerBucket: number
  /** min0, max0, min1, max1, … (2 × ceil(frames / samplesPerBucket) values). */
  minMax: Float32Array
}

export interface PeakOverview {
  sampleRateHz: number
  frames: number
  /** Finest first. */
  levels: PeakLevel[]
}

/** What the header of a peak file says, with where each level's buckets start in the file. */
export interface PeakFileHeader {
  sampleRateHz: number
  frames: number
  levels: Array<{ samplesPerBucket: number; buckets: number; byteOffset: number }>
  /** Header plus every level's buckets: the exact length of a valid file. */
  totalBytes: number
}

/**
 * A sample as it reads back from a float32 WAV that `encodeSamples` wrote (what the recorder
 * does): NaN → 0, clamped into [-1, 1 − 2⁻²⁴], rounded to float32. Samples already read from a
 * WAV come through unchanged.
 */
export function asReaderSample(value: number): number {
  if (Number.isNaN(value)) return 0
  return Math.fround(Math.max(-1, Math.min(FLOAT_MAX_BELOW_ONE, value)))
}

export function bucketCount(frames: number, samplesPerBucket: number): number {
  return Math.ceil(frames / samplesPerBucket)
}

interface LevelState {
  samplesPerBucket: number
  /** Frames (finest level) or buckets of the level below (the others) per bucket. */
  factor: number
  /** Complete buckets: min, max, … (grown by doubling). */
  minMax: Float32Array
  complete: number
  /** The bucket being filled: min and max so far, and how many frames or buckets it has. */
  lo: number
  hi: number
  count: number
}

/**
 * Builds every level as samples arrive (the recorder feeds it every chunk it writes; the lazy
 * builder feeds it the decoded WAV): each completed bucket is folded into the level above at
 * once, so `finish()` has nothing left to compute and costs the recorder nothing at stop.
 * About 2 µs per 100-ms chunk at 4 kHz; 3.6 MB held for 3 h.
 */
export class PeakAccumulator {
  private readonly levels: LevelState[]
  private frameCount = 0

  constructor(levels: readonly number[] = PEAK_LEVELS) {
    this.levels = levels.map((samplesPerBucket, k) => {
      const below = k === 0 ? 1 : (levels[k - 1] as number)
      if (!Number.isInteger(samplesPerBucket / below) || samplesPerBucket <= below)
        throw new RangeError(`peak level ${samplesPerBucket} is not a multiple of ${below}`)
      return {
        samplesPerBucket,
        factor: samplesPerBucket / below,
        minMax: new Float32Array(128),
        complete: 0,
        lo: Infinity,
        hi: -Infinity,
        count: 0,
      }
    })
  }

  get frames(): number {
    return this.frameCount
  }

  /**
   * Adds samples as the recorder has them (they are taken as a float32 WAV will read them back:
   * `asReaderSample`), or, with `fromReader`, samples already read from a WAV (taken as they are).
   */
  push(samples: ArrayLike<number>, fromReader = false): void {
    const finest = this.levels[0] as LevelState
    const spb = finest.samplesPerBucket
    let lo = finest.lo
    let hi = finest.hi
    let n = finest.count
    for (let i = 0; i < samples.length; i++) {
      const v = fromReader ? (samples[i] as number) : asReaderSample(samples[i] as number)
      if (v < lo) lo = v
      if (v > hi) hi = v
      if (++n === spb) {
        this.completeBucket(0, lo, hi)
        lo = Infinity
        hi = -Infinity
        n = 0
      }
    }
    finest.lo = lo
    finest.hi = hi
    finest.count = n
    this.frameCount += samples.length
  }

  private static store(level: LevelState, at: number, lo: number, hi: number): void {
    if (2 * at + 2 > level.minMax.length) {
      const grown = new Float32Array(level.minMax.length * 2)
      grown.set(level.minMax)
      level.minMax = grown
    }
    level.minMax[2 * at] = lo
    level.minMax[2 * at + 1] = hi
  }

  /** Level k's bucket is complete: store it and fold it into the bucket level k + 1 is filling. */
  private completeBucket(k: number, lo: number, hi: number): void {
    const level = this.levels[k] as LevelState
    PeakAccumulator.store(level, level.complete++, lo, hi)
    const up = this.levels[k + 1]
    if (!up) return
    if (lo < up.lo) up.lo = lo
    if (hi > up.hi) up.hi = hi
    if (++up.count === up.factor) {
      const upLo = up.lo
      const upHi = up.hi
      up.lo = Infinity
      up.hi = -Infinity
      up.count = 0
      this.completeBucket(k + 1, upLo, upHi)
    }
  }

  /**
   * The overview of everything pushed so far, partial last buckets included. Its arrays are views
   * of the accumulator's own: read (or save) them before pushing more.
   */
  finish(sampleRateHz: number): PeakOverview {
    let carry: { lo: number; hi: number } | null = null
    const levels: PeakLevel[] = this.levels.map((level) => {
      let lo = level.lo
      let hi = level.hi
      if (carry) {
        lo = Math.min(lo, carry.lo)
        hi = Math.max(hi, carry.hi)
      }
      const partial = level.count > 0 || carry !== null
      if (partial) PeakAccumulator.store(level, level.complete, lo, hi)
      carry = partial ? { lo, hi } : null
      return { samplesPerBucket: level.samplesPerBucket, minMax: level.minMax.subarray(0, 2 * (level.complete + (partial ? 1 : 0))) }
    })
    return { sampleRateHz, frames: this.frameCount, levels }
  }
}

/** Merges `factor` adjacent buckets into one (the last merged bucket may take fewer). */
export function mergeBuckets(minMax: Float32Array, factor: number): Float32Array {
  const buckets = minMax.length / 2
  const merged = new Float32Array(2 * Math.ceil(buckets / factor))
  for (let out = 0, b = 0; b < buckets; out++) {
    let lo = Infinity
    let hi = -Infinity
    for (const end = Math.min(buckets, b + factor); b < end; b++) {
      const mn = minMax[2 * b] as number
      const mx = minMax[2 * b + 1] as number
      if (mn < lo) lo = mn
      if (mx > hi) hi = mx
    }
    merged[2 * out] = lo
    merged[2 * out + 1] = hi
  }
  return merged
}

/** The header of a peak file for `overview` (what precedes the levels' buckets). */
export function encodePeakHeader(overview: PeakOverview): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES + LEVEL_ENTRY_BYTES * overview.levels.length)
  const view = new DataView(header.buffer)
  for (let i = 0; i < 4; i++) header[i] = PEAK_FILE_MAGIC.charCodeAt(i)
  view.setUint32(4, PEAK_FILE_VERSION, true)
  view.setUint32(8, overview.sampleRateHz, true)
  view.setUint32(12, overview.levels.length, true)
  view.setFloat64(16, overview.frames, true)
  overview.levels.forEach((level, k) => {
    view.setUint32(HEADER_BYTES + LEVEL_ENTRY_BYTES * k, level.samplesPerBucket, true)
    view.setUint32(HEADER_BYTES + LEVEL_ENTRY_BYTES * k + 4, level.minMax.length / 2, true)
  })
  return header
}

/**
 * A peak file as the pieces to write one after the other: the header, then each level's buckets
 * (on a little-endian machine, views of the overview's own arrays: nothing is copied).
 */
export function peakFileParts(overview: PeakOverview): Uint8Array[] {
  if (!LITTLE_ENDIAN) return [encodePeakOverview(overview)]
  return [
    encodePeakHeader(overview),
    ...overview.levels.map((level) => new Uint8Array(level.minMax.buffer, level.minMax.byteOffset, level.minMax.byteLength)),
  ]
}

export function encodePeakOverview(overview: PeakOverview): Uint8Array {
  const header = encodePeakHeader(overview)
  const bytes = new Uint8Array(header.length + overview.levels.reduce((sum, level) => sum + level.minMax.byteLength, 0))
  bytes.set(header)
  const view = new DataView(bytes.buffer)
  let offset = header.length
  for (const level of overview.levels) {
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(level.minMax.buffer, level.minMax.byteOffset, level.minMax.byteLength), offset)
    else for (let i = 0; i < level.minMax.length; i++) view.setFloat32(offset + 4 * i, level.minMax[i] as number, true)
    offset += level.minMax.byteLength
  }
  return bytes
}

/** Bytes a header with `levelCount` levels takes (read this much, then `decodePeakHeader`). */
export function peakHeaderBytes(levelCount: number): number {
  return HEADER_BYTES + LEVEL_ENTRY_BYTES * levelCount
}

/** The fixed part of the header: read these first to learn the level count. */
export const PEAK_FIXED_HEADER_BYTES = HEADER_BYTES

/** Level count from the fixed header (validated), to know how many header bytes to read. */
export function peakLevelCount(fixed: Uint8Array, file: string): number {
  if (fixed.length < HEADER_BYTES)
    throw new CorruptSessionError(file, undefined, `peak file too short (${fixed.length} bytes, need ${HEADER_BYTES})`)
  const magic = String.fromCharCode(...fixed.subarray(0, 4))
  if (magic !== PEAK_FILE_MAGIC) throw new CorruptSessionError(file, 'magic', `not a peak file (starts with ${JSON.stringify(magic)})`)
  const view = new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength)
  const version = view.getUint32(4, true)
  if (version !== PEAK_FILE_VERSION) throw new CorruptSessionError(file, 'version', `unsupported peak file version ${version}`)
  const count = view.getUint32(12, true)
  if (count < 1 || count > MAX_LEVELS) throw new CorruptSessionError(file, 'levels', `level count ${count} outside 1..${MAX_LEVELS}`)
  return count
}

/** Validates a header (its first `peakHeaderBytes(levels)` bytes) against the file's length. */
export function decodePeakHeader(head: Uint8Array, fileBytes: number, file: string): PeakFileHeader {
  const count = peakLevelCount(head, file)
  if (head.length < peakHeaderBytes(count))
    throw new CorruptSessionError(file, 'levels', `header cut short (${head.length} bytes for ${count} levels)`)
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const sampleRateHz = view.getUint32(8, true)
  const frames = view.getFloat64(16, true)
  if (sampleRateHz < 1) throw new CorruptSessionError(file, 'sampleRateHz', `${sampleRateHz}`)
  if (!Number.isSafeInteger(frames) || frames < 0) throw new CorruptSessionError(file, 'frames', `${frames}`)
  const levels: PeakFileHeader['levels'] = []
  let offset = peakHeaderBytes(count)
  let previous = 0
  for (let k = 0; k < count; k++) {
    const samplesPerBucket = view.getUint32(HEADER_BYTES + LEVEL_ENTRY_BYTES * k, true)
    const buckets = view.getUint32(HEADER_BYTES + LEVEL_ENTRY_BYTES * k + 4, true)
    if (samplesPerBucket <= previous || (previous > 0 && samplesPerBucket % previous !== 0)) {
      throw new CorruptSessionError(file, `levels[${k}].samplesPerBucket`, `${samplesPerBucket} after ${previous}`)
    }
    if (buckets !== bucketCount(frames, samplesPerBucket)) {
      throw new CorruptSessionError(file, `levels[${k}].buckets`, `${buckets} buckets of ${samplesPerBucket} for ${frames} frames`)
    }
    levels.push({ samplesPerBucket, buckets, byteOffset: offset })
    offset += buckets * LEVEL_ENTRY_BYTES
    previous = samplesPerBucket
  }
  if (fileBytes !== offset)
    throw new CorruptSessionError(file, undefined, `peak file is ${fileBytes} bytes, its header describes ${offset}`)
  return { sampleRateHz, frames, levels, totalBytes: offset }
}

/** Decodes a whole peak file held in memory. */
export function decodePeakOverview(bytes: Uint8Array, file: string): PeakOverview {
  const header = decodePeakHeader(bytes, bytes.length, file)
  return {
    sampleRateHz: header.sampleRateHz,
    frames: header.frames,
    levels: header.levels.map((level) => ({
      samplesPerBucket: level.samplesPerBucket,
      minMax: decodeBuckets(bytes.subarray(level.byteOffset, level.byteOffset + level.buckets * 8)),
    })),
  }
}

/** Little-endian f32 pairs → min/max values. */
export function decodeBuckets(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true)
  return out
}

/** Which buckets of which level answer a request for [startFrame, endFrame) drawn in about `columns` columns. */
export interface PeakSelection {
  /** Index into the levels. */
  level: number
  /** Buckets of that level merged into one returned bucket (1 unless even the coarsest level is too fine). */
  merge: number
  /** Frames per returned bucket: the level's samplesPerBucket × merge. */
  samplesPerBucket: number
  /** First returned bucket (bucket b covers frames [b·samplesPerBucket, (b+1)·samplesPerBucket)). */
  firstBucket: number
  bucketCount: number
  /** The level's buckets to read: [firstLevelBucket, firstLevelBucket + levelBuckets). */
  firstLevelBucket: number
  levelBuckets: number
}

/**
 * The coarsest level that still gives each of `columns` columns at least one bucket (the finest
 * one when even it is coarser: the caller should then draw from the audio). Never more than
 * `maxBuckets` buckets: a huge range with few columns merges the coarsest level further.
 */
export function selectPeaks(
  levels: readonly { samplesPerBucket: number; buckets: number }[],
  frames: number,
  startFrame: number,
  endFrame: number,
  columns: number,
  maxBuckets: number,
): PeakSelection {
  const span = Math.max(1, endFrame - startFrame)
  let level = 0
  for (let k = 0; k < levels.length; k++) if ((levels[k] as { samplesPerBucket: number }).samplesPerBucket <= span / columns) level = k
  const { samplesPerBucket: levelSpb, buckets: available } = levels[level] as { samplesPerBucket: number; buckets: number }
  let merge = 1
  const count = (spb: number): number => Math.ceil(Math.min(endFrame, frames) / spb) - Math.floor(startFrame / spb)
  while (count(levelSpb * merge) > maxBuckets) merge *= 2
  const samplesPerBucket = levelSpb * merge
  const firstBucket = Math.floor(startFrame / samplesPerBucket)
  const bucketCount = Math.max(0, Math.ceil(Math.min(endFrame, frames) / samplesPerBucket) - firstBucket)
  const firstLevelBucket = firstBucket * merge
  const levelBuckets = Math.max(0, Math.min(available, (firstBucket + bucketCount) * merge) - firstLevelBucket)
  return { level, merge, samplesPerBucket, firstBucket, bucketCount, firstLevelBucket, levelBuckets }
}
