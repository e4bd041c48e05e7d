/**
 * A session's audio as the session view reads it: never whole. Samples come in aligned blocks
 * (sessions:audioRange, 16 s each at 4 kHz) kept in a small LRU cache, and drawing uses the
 * session's peak overview (sessions:peaks), so an hours-long recording opens at once and holds
 * a few megabytes whatever its length. Plain TypeScript (no runes): buffers stay out of reactive
 * state.
 */
import type { AuscultaApi } from '../../../core/api/contract'
import type { SessionPeaks } from '../../../core/api/session-audio-contract'

/** What playback needs of a recording: its rate, its length and any range of its samples. */
export interface AudioReader {
  readonly sampleRateHz: number
  readonly totalFrames: number
  /** Frames [startFrame, startFrame + frames), clipped to the recording. */
  read(startFrame: number, frames: number): Promise<Float32Array>
}

/** Frames per cached block (a power of two: 256 kB of float32). */
export const AUDIO_BLOCK_FRAMES = 1 << 16
/** Blocks kept: 16 MB, about 17 min at 4 kHz (playing, scrolling back and forth a little). */
const MAX_CACHED_BLOCKS = 64

export class SessionAudioSource implements AudioReader {
  private readonly blocks = new Map<number, Float32Array>()
  private readonly loading = new Map<number, Promise<Float32Array>>()

  private constructor(
    private readonly api: AuscultaApi,
    readonly sessionId: string,
    readonly sampleRateHz: number,
    readonly totalFrames: number,
    /** Frames per bucket of the overview's levels, finest first. */
    readonly levels: readonly number[],
  ) {}

  /** Opens a session: one peaks request gives its length, its rate and the whole-recording overview. */
  static async open(api: AuscultaApi, sessionId: string, columns: number): Promise<{ source: SessionAudioSource; overview: SessionPeaks }> {
    const overview = await api.invoke('sessions:peaks', { id: sessionId, columns: Math.max(1, Math.min(8192, Math.round(columns))) })
    return { source: new SessionAudioSource(api, sessionId, overview.sampleRateHz, overview.totalFrames, overview.levels), overview }
  }

  get durationS(): number {
    return this.totalFrames / this.sampleRateHz
  }

  /** Below this many frames per pixel column the overview has nothing finer: draw from the samples. */
  get finestSamplesPerBucket(): number {
    return this.levels[0] ?? 128
  }

  peaks(startFrame: number, endFrame: number, columns: number): Promise<SessionPeaks> {
    const start = Math.max(0, Math.min(this.totalFrames - 1, Math.floor(startFrame)))
    const end = Math.max(start + 1, Math.min(this.totalFrames, Math.ceil(endFrame)))
    return this.api.invoke('sessions:peaks', {
      id: this.sessionId,
      startFrame: start,
      endFrame: end,
      columns: Math.max(1, Math.min(8192, Math.round(columns))),
    })
  }

  private block(index: number): Promise<Float32Array> {
    const cached = this.blocks.get(index)
    if (cached) {
      // Most recently used last.
      this.blocks.delete(index)
      this.blocks.set(index, cached)
      return Promise.resolve(cached)
    }
    let pending = this.loading.get(index)
    if (!pending) {
      const startFrame = index * AUDIO_BLOCK_FRAMES
      const frames = Math.min(AUDIO_BLOCK_FRAMES, this.totalFrames - startFrame)
      pending = this.api
        .invoke('sessions:audioRange', { id: this.sessionId, startFrame, frames })
        .then((range) => {
          this.blocks.set(index, range.samples)
          while (this.blocks.size > MAX_CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number)
          return range.samples
        })
        .finally(() => this.loading.delete(index))
      this.loading.set(index, pending)
    }
    return pending
  }

  async read(startFrame: number, frames: number): Promise<Float32Array> {
    const start = Math.max(0, Math.min(this.totalFrames, Math.floor(startFrame)))
    const end = Math.max(start, Math.min(this.totalFrames, Math.floor(startFrame) + Math.floor(frames)))
    const out = new Float32Array(end - start)
    if (end === start) return out
    const first = Math.floor(start / AUDIO_BLOCK_FRAMES)
    const last = Math.floor((end - 1) / AUDIO_BLOCK_FRAMES)
    const blocks = await Promise.all(Array.from({ length: last - first + 1 }, (_, k) => this.block(first + k)))
    blocks.forEach((samples, k) => {
      const blockStart = (first + k) * AUDIO_BLOCK_FRAMES
      const from = Math.max(start, blockStart)
      const to = Math.min(end, blockStart + samples.length)
      out.set(samples.subarray(from - blockStart, to - blockStart), from - start)
    })
    return out
  }
}
