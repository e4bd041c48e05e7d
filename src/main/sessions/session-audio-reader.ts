/**
 * What the library reads of a session's audio, in pieces: a range of samples, the peaks of any
 * stretch at any zoom (from the session's peak overview, built and saved on first use when it
 * has none), and — for short sessions only — the whole recording as base64. Runs inside the
 * session audio worker (session-audio-worker.ts): everything here may take a while on an
 * hours-long file, and none of it may hold up the main thread, which carries the capture →
 * recorder path and the live events.
 *
 * Memory stays bounded whatever the session's length: a range is at most MAX_AUDIO_RANGE_FRAMES,
 * peaks are read from the file bucket range by bucket range, and a lazy build streams the WAV
 * in 1-MB pieces.
 */
import { endianness } from 'node:os'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { AudioRangeError, MAX_PEAK_BUCKETS, checkAudioRange, checkPeakRange } from '../../core/sessions/audio-range'
import {
  PEAK_FIXED_HEADER_BYTES,
  PEAK_LEVELS,
  PeakAccumulator,
  bucketCount,
  decodeBuckets,
  decodePeakHeader,
  mergeBuckets,
  peakHeaderBytes,
  peakLevelCount,
  selectPeaks,
  type PeakFileHeader,
  type PeakOverview,
} from '../../core/sessions/peak-overview'
import type { SessionMeta } from '../../core/sessions/session-schema'
import { decodeMonoRange, frameByteRange, readWavLayout, type WavLayout } from '../../core/wav/wav-range'
import { SESSION_FILES } from './data-dir'
import { toStorageError } from './fs-errors'
import { peakFilePath, writePeakFile } from './peak-file'
import { SessionLibrary } from './session-store'
import { readAt } from '../io/read-at'

export interface AudioRangeResult {
  sessionId: string
  sampleRateHz: number
  totalFrames: number
  startFrame: number
  samples: Float32Array
}

export interface PeaksRequest {
  startFrame?: number
  /** Exclusive; the end of the recording when absent. */
  endFrame?: number
  /** Pixel columns the caller draws into: each gets at least one bucket when a level allows. */
  columns: number
}

export interface PeaksResult {
  sessionId: string
  sampleRateHz: number
  totalFrames: number
  /** Frames per returned bucket; bucket b covers [b · samplesPerBucket, (b + 1) · samplesPerBucket). */
  samplesPerBucket: number
  firstBucket: number
  /** min, max per bucket. */
  minMax: Float32Array
  /** samplesPerBucket of every level the overview has, finest first. */
  levels: number[]
}

export interface WholeAudioResult {
  sessionId: string
  sampleRateHz: number
  frames: number
  float32Base64: string
}

/** Frames decoded per read while building an overview: 1 MB of float32. */
const BUILD_CHUNK_FRAMES = 1 << 18
/** Overviews kept in memory when they could not (yet) be saved: a read-only folder, a session still recording. */
const MEMORY_OVERVIEWS = 2

const LITTLE_ENDIAN = endianness() === 'LE'

interface OpenWav {
  handle: FileHandle
  layout: WavLayout
  /** How errors name the file: `<id>/audio.wav`, never the absolute path. */
  name: string
}

function float32Base64(samples: Float32Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64')
  const bytes = Buffer.alloc(samples.length * 4)
  for (let i = 0; i < samples.length; i++) bytes.writeFloatLE(samples[i] as number, i * 4)
  return bytes.toString('base64')
}

export class SessionAudioReader {
  private readonly builds = new Map<string, Promise<PeakOverview>>()
  private readonly memory = new Map<string, PeakOverview>()
  /** Overview files being written in the background (tests and shutdown wait for them). */
  private readonly writes = new Set<Promise<void>>()

  private locate(dataDir: string, id: string): { dir: string; meta: SessionMeta } {
    return new SessionLibrary(dataDir).get(id)
  }

  private async openWav(dir: string, id: string): Promise<OpenWav> {
    const name = `${id}/${SESSION_FILES.audio}`
    let handle: FileHandle
    try {
      handle = await open(join(dir, SESSION_FILES.audio), 'r')
    } catch (err) {
      throw toStorageError(err, name, 'opening')
    }
    try {
      const { size } = await handle.stat()
      const layout = await readWavLayout((offset, length) => readAt(handle, offset, length), size, name)
      return { handle, layout, name }
    } catch (err) {
      await handle.close().catch(() => undefined)
      throw toStorageError(err, name, 'reading')
    }
  }

  private async withWav<T>(dataDir: string, id: string, fn: (wav: OpenWav, dir: string, meta: SessionMeta) => Promise<T>): Promise<T> {
    const { dir, meta } = this.locate(dataDir, id)
    const wav = await this.openWav(dir, id)
    try {
      return await fn(wav, dir, meta)
    } catch (err) {
      throw toStorageError(err, wav.name, 'reading')
    } finally {
      await wav.handle.close().catch(() => undefined)
    }
  }

  async range(dataDir: string, id: string, startFrame: number, frames: number): Promise<AudioRangeResult> {
    return this.withWav(dataDir, id, async ({ handle, layout, name }) => {
      checkAudioRange(id, startFrame, frames, layout.frames)
      const { offset, length } = frameByteRange(layout, startFrame, frames)
      const samples = decodeMonoRange(await readAt(handle, offset, length), layout, name)
      return { sessionId: id, sampleRateHz: layout.sampleRateHz, totalFrames: layout.frames, startFrame, samples }
    })
  }

  async whole(dataDir: string, id: string, maxFrames: number): Promise<WholeAudioResult> {
    return this.withWav(dataDir, id, async ({ handle, layout, name }) => {
      if (layout.frames > maxFrames) {
        throw new AudioRangeError(
          `session ${id}: ${layout.frames} frames (${(layout.frames / layout.sampleRateHz / 60).toFixed(1)} min) are too many ` +
            `to send whole (at most ${maxFrames}); read it with sessions:audioRange and sessions:peaks`,
        )
      }
      const { offset, length } = frameByteRange(layout, 0, layout.frames)
      const samples = decodeMonoRange(await readAt(handle, offset, length), layout, name)
      return { sessionId: id, sampleRateHz: layout.sampleRateHz, frames: samples.length, float32Base64: float32Base64(samples) }
    })
  }

  async peaks(dataDir: string, id: string, request: PeaksRequest): Promise<PeaksResult> {
    return this.withWav(dataDir, id, async (wav, dir, meta) => {
      const total = wav.layout.frames
      const startFrame = request.startFrame ?? 0
      const endFrame = request.endFrame ?? total
      const base = { sessionId: id, sampleRateHz: wav.layout.sampleRateHz, totalFrames: total, levels: [...PEAK_LEVELS] }
      if (total === 0 && startFrame === 0 && request.endFrame === undefined) {
        return { ...base, samplesPerBucket: PEAK_LEVELS[0] as number, firstBucket: 0, minMax: new Float32Array(0) }
      }
      checkPeakRange(id, startFrame, endFrame, total)
      const fromFile = await this.peaksFromFile(dir, id, wav.layout, startFrame, endFrame, request.columns)
      if (fromFile) return { ...base, ...fromFile }
      const overview = await this.overview(dir, id, meta, wav.layout)
      const levels = overview.levels.map((level) => ({ samplesPerBucket: level.samplesPerBucket, buckets: level.minMax.length / 2 }))
      const selection = selectPeaks(levels, total, startFrame, endFrame, request.columns, MAX_PEAK_BUCKETS)
      const level = overview.levels[selection.level] as PeakOverview['levels'][number]
      const slice = level.minMax.slice(2 * selection.firstLevelBucket, 2 * (selection.firstLevelBucket + selection.levelBuckets))
      return {
        ...base,
        samplesPerBucket: selection.samplesPerBucket,
        firstBucket: selection.firstBucket,
        minMax: selection.merge > 1 ? mergeBuckets(slice, selection.merge) : slice,
      }
    })
  }

  /**
   * The requested buckets straight from peaks.bin, reading only them; null when the session has
   * no usable file (missing, unreadable, or made for another length of audio: a repaired or
   * still-growing recording).
   */
  private async peaksFromFile(
    dir: string,
    id: string,
    layout: WavLayout,
    startFrame: number,
    endFrame: number,
    columns: number,
  ): Promise<Omit<PeaksResult, 'sessionId' | 'sampleRateHz' | 'totalFrames' | 'levels'> | null> {
    const path = peakFilePath(dir)
    let handle: FileHandle
    try {
      handle = await open(path, 'r')
    } catch {
      return null
    }
    try {
      const { size } = await handle.stat()
      const name = `${id}/peaks.bin`
      const fixed = await readAt(handle, 0, PEAK_FIXED_HEADER_BYTES)
      const header = decodePeakHeader(await readAt(handle, 0, peakHeaderBytes(peakLevelCount(fixed, name))), size, name)
      const sameLevels =
        header.levels.length === PEAK_LEVELS.length && header.levels.every((level, k) => level.samplesPerBucket === PEAK_LEVELS[k])
      if (header.frames !== layout.frames || header.sampleRateHz !== layout.sampleRateHz || !sameLevels) return null
      const selection = selectPeaks(header.levels, layout.frames, startFrame, endFrame, columns, MAX_PEAK_BUCKETS)
      const level = header.levels[selection.level] as PeakFileHeader['levels'][number]
      const bytes = await readAt(handle, level.byteOffset + 8 * selection.firstLevelBucket, 8 * selection.levelBuckets)
      if (bytes.length !== 8 * selection.levelBuckets) return null
      const minMax = decodeBuckets(bytes)
      return {
        samplesPerBucket: selection.samplesPerBucket,
        firstBucket: selection.firstBucket,
        minMax: selection.merge > 1 ? mergeBuckets(minMax, selection.merge) : minMax,
      }
    } catch {
      return null // corrupt or torn: rebuilt from the audio below
    } finally {
      await handle.close().catch(() => undefined)
    }
  }

  /** The overview built from the audio (once per session and length), saved unless the session is still recording. */
  private async overview(dir: string, id: string, meta: SessionMeta, layout: WavLayout): Promise<PeakOverview> {
    const key = `${dir}\0${layout.frames}`
    const remembered = this.memory.get(key)
    if (remembered) return remembered
    let build = this.builds.get(key)
    if (!build) {
      build = this.build(dir, id, layout).finally(() => this.builds.delete(key))
      this.builds.set(key, build)
      const overview = await build
      this.remember(key, overview)
      if (meta.status !== 'recording') {
        const write = writePeakFile(dir, overview)
          .then(() => void this.memory.delete(key))
          .catch(() => undefined) // a read-only folder: the overview stays in memory for this run
          .finally(() => this.writes.delete(write))
        this.writes.add(write)
      }
      return overview
    }
    return build
  }

  private remember(key: string, overview: PeakOverview): void {
    this.memory.delete(key)
    this.memory.set(key, overview)
    while (this.memory.size > MEMORY_OVERVIEWS) this.memory.delete(this.memory.keys().next().value as string)
  }

  /** Streams the WAV through a peak accumulator, 1 MB at a time (other requests are answered in between). */
  private async build(dir: string, id: string, layout: WavLayout): Promise<PeakOverview> {
    const wav = await this.openWav(dir, id)
    try {
      const accumulator = new PeakAccumulator()
      for (let at = 0; at < layout.frames; at += BUILD_CHUNK_FRAMES) {
        const { offset, length } = frameByteRange(layout, at, Math.min(BUILD_CHUNK_FRAMES, layout.frames - at))
        const bytes = await readAt(wav.handle, offset, length)
        if (bytes.length !== length) throw new AudioRangeError(`session ${id}: audio.wav shrank while its overview was being built`)
        accumulator.push(decodeMonoRange(bytes, layout, wav.name), true)
      }
      const overview = accumulator.finish(layout.sampleRateHz)
      if (overview.levels.some((level) => level.minMax.length / 2 !== bucketCount(layout.frames, level.samplesPerBucket))) {
        throw new AudioRangeError(`session ${id}: overview does not cover the ${layout.frames} frames`)
      }
      return overview
    } finally {
      await wav.handle.close().catch(() => undefined)
    }
  }

  /** Resolves once every background overview write has finished. */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes])
  }
}

/** Whether `<dir>/peaks.bin` exists (for tests and the bench). */
export async function hasPeakFile(dir: string): Promise<boolean> {
  return stat(peakFilePath(dir)).then(
    () => true,
    () => false,
  )
}
