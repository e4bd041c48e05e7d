/**
 * Crash-safe session recording. The WAV is written as it arrives: a 44-byte header with data
 * size 0 first, samples appended with every chunk, and at least once per second (and on stop) the
 * header's RIFF and data sizes are rewritten in place and both files fsync'd. A crash therefore
 * loses at most the last second of audio even on power loss, and a SIGKILL loses nothing that was
 * written (the page cache survives the process); start-up repair (repair.ts) fixes the sizes.
 *
 * Storage format: float32. Captures reach us as floats (sound cards, resampled device streams);
 * float32 stores every such value bit-exactly, including every 16- and 24-bit integer sample, so
 * nothing is quantised a second time. The cost, 16 kB/s at 4 kHz (58 MB per hour), is small.
 *
 * Writes are synchronous (a chunk is a few kilobytes into the page cache, and ordering — data
 * before header patch — is what makes the file recoverable). The periodic fsync is not: it can
 * take tens of milliseconds (measured 8 ms mean, 26 ms max on this VM's ext4; more on a laptop
 * HDD) and the recorder shares the main process with the live monitor, so it runs on libuv's
 * thread pool. stop() and sync() fsync synchronously.
 *
 * The session's peak overview (peaks.bin, src/core/sessions/peak-overview.ts) is accumulated as
 * the samples are written (a min/max per 128 frames) and saved when the recording stops (a few
 * milliseconds, no fsync: it is a cache of the audio): the library then draws an hours-long
 * recording at once, without reading it.
 */
import { closeSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, rmdirSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import type { PcmChunk } from '../devices/source'
import { formatHrTraceLine, hrTraceEntrySchema, type HrTraceEntry } from '../../core/sessions/hr-trace'
import { SessionStorageError } from '../../core/sessions/session-errors'
import { describeIssue } from '../../core/zod-issue'
import {
  SESSION_SCHEMA_VERSION,
  formatSessionMeta,
  validateSessionMeta,
  type HrSummary,
  type Patient,
  type SessionLocation,
  type SessionMeta,
} from '../../core/sessions/session-schema'
import { PeakAccumulator } from '../../core/sessions/peak-overview'
import { encodeSamples, encodeWavHeader, WAV_HEADER_BYTES, WAV_MAX_DATA_BYTES } from '../../core/wav/wav-writer'
import { writeAll, writeFileAtomic } from './atomic-write'
import { DATA_DIR_MODE, SESSION_FILES, ensurePrivateDir, newSessionId, sessionDir, sessionsRoot } from './data-dir'
import { toStorageError, withStorageErrors } from './fs-errors'
import { writePeakFileSync } from './peak-file'
import { RecorderLock } from './recorder-lock'

/** Mono PCM as every source delivers it (src/main/devices/source.ts); re-exported for callers. */
export type { PcmChunk }

export interface RecorderOptions {
  dataDir: string
  sampleRateHz: number
  location: SessionLocation
  locationDetail?: string
  patient?: Patient
  device: { id: string; name: string }
  modelId: string | null
  visitId?: string
  notes?: string
  attribution?: string
  /** Defaults to a fresh id / the current time. */
  id?: string
  startedAt?: Date
  /** Longest time between header patches + fsync; capped at 1000 ms (the crash-loss bound). */
  syncIntervalMs?: number
}

const SAMPLE_FORMAT = 'float32' as const
const BYTES_PER_FRAME = 4
const MAX_SYNC_INTERVAL_MS = 1000
/** Longest source dropout padded with silence; a bigger jump in firstSampleIndex is a source bug. */
const MAX_DROPOUT_S = 600

type RecorderState = 'recording' | 'failed' | 'stopped'

export class SessionRecorder {
  readonly id: string
  readonly dir: string
  private meta: SessionMeta
  private readonly audioPath: string
  private readonly tracePath: string
  private readonly metaPath: string
  private audioFd: number
  private traceFd: number
  private dataBytes = 0
  private traceBytes = 0
  private syncedDataBytes = 0
  private headerDataBytes = 0
  private fsyncInFlight = false
  private closeWhenFsynced = false
  private dirty = false
  private lastSyncMs: number
  private readonly syncIntervalMs: number
  private readonly timer: NodeJS.Timeout
  private originSampleIndex: number | undefined
  private state: RecorderState = 'recording'
  private failure: Error | undefined
  private hrCount = 0
  private hrSum = 0
  private hrMin = Infinity
  private hrMax = -Infinity
  private readonly dropouts: Array<{ atS: number; samples: number }> = []
  /** Min/max of every 128 frames written so far: the peak overview saved at stop(). */
  private readonly peaks = new PeakAccumulator()
  /**
   * Whether stop() saved the peak overview (false before stop, or when it could not: the library
   * then builds it from the audio when the session is first opened).
   */
  overviewSaved = false
  /** Held from before session.json exists until the recording is final: what "live" means to repair and the library. */
  private readonly lock: RecorderLock

  private constructor(
    options: RecorderOptions,
    id: string,
    dir: string,
    meta: SessionMeta,
    audioFd: number,
    traceFd: number,
    lock: RecorderLock,
  ) {
    this.id = id
    this.lock = lock
    this.dir = dir
    this.meta = meta
    this.audioPath = join(dir, SESSION_FILES.audio)
    this.tracePath = join(dir, SESSION_FILES.trace)
    this.metaPath = join(dir, SESSION_FILES.meta)
    this.audioFd = audioFd
    this.traceFd = traceFd
    this.syncIntervalMs = Math.min(MAX_SYNC_INTERVAL_MS, options.syncIntervalMs ?? MAX_SYNC_INTERVAL_MS)
    this.lastSyncMs = Date.now()
    // Covers a source that stalls after a chunk: the header still catches up within the interval.
    this.timer = setInterval(() => {
      if (!this.dirty || this.state !== 'recording') return
      try {
        this.syncInBackground()
      } catch {
        // Recorded in this.failure; the next append or stop() reports it to the caller.
      }
    }, this.syncIntervalMs)
    this.timer.unref()
  }

  /** Creates the session folder, writes session.json (status "recording") and the WAV header. */
  static start(options: RecorderOptions): SessionRecorder {
    if (!Number.isInteger(options.sampleRateHz) || options.sampleRateHz <= 0) {
      throw new InvalidArgumentError(`sampleRateHz: must be a positive integer, got ${options.sampleRateHz}`)
    }
    const startedAt = (options.startedAt ?? new Date()).toISOString()
    const id = options.id ?? newSessionId(options.startedAt ?? new Date())
    ensurePrivateDir(options.dataDir)
    ensurePrivateDir(sessionsRoot(options.dataDir))
    const dir = sessionDir(options.dataDir, startedAt, id)
    const meta = validateSessionMeta(
      {
        schemaVersion: SESSION_SCHEMA_VERSION,
        id,
        status: 'recording',
        startedAt,
        patient: options.patient ?? {},
        location: options.location,
        ...(options.locationDetail === undefined ? {} : { locationDetail: options.locationDetail }),
        device: options.device,
        sampleRateHz: options.sampleRateHz,
        modelId: options.modelId,
        ...(options.visitId === undefined ? {} : { visitId: options.visitId }),
        audio: { file: SESSION_FILES.audio, sampleFormat: SAMPLE_FORMAT, channels: 1, frames: 0, durationS: 0 },
        hrSummary: null,
        notes: options.notes ?? '',
        ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
        recorderPid: process.pid,
        repairs: [],
      },
      `${id}/${SESSION_FILES.meta}`,
    )
    ensurePrivateDir(dirname(dir))
    // Not recursive: an existing folder means an id clash, which must not overwrite a session.
    withStorageErrors(dir, 'creating session folder', () => mkdirSync(dir, { mode: DATA_DIR_MODE }))
    const audioPath = join(dir, SESSION_FILES.audio)
    const tracePath = join(dir, SESSION_FILES.trace)
    let audioFd: number | undefined
    let lock: RecorderLock | undefined
    try {
      // The lock before anything else: repair in another process must never see a "recording"
      // session.json without a live holder while this recorder is starting.
      lock = RecorderLock.acquire(dir)
      // session.json next: from here on a crash leaves a folder that repair recognises.
      writeFileAtomic(join(dir, SESSION_FILES.meta), formatSessionMeta(meta))
      const fd = withStorageErrors(audioPath, 'creating', () => openSync(audioPath, 'wx', 0o600))
      audioFd = fd
      withStorageErrors(audioPath, 'writing WAV header', () => {
        writeAll(fd, encodeWavHeader({ sampleRateHz: options.sampleRateHz, channels: 1, format: SAMPLE_FORMAT, dataBytes: 0 }), 0)
        fsyncSync(fd)
      })
      const traceFd = withStorageErrors(tracePath, 'creating', () => openSync(tracePath, 'wx', 0o600))
      return new SessionRecorder(options, id, dir, meta, fd, traceFd, lock)
    } catch (err) {
      if (audioFd !== undefined) closeSync(audioFd)
      lock?.release()
      SessionRecorder.discardUnstarted(dir)
      throw err
    }
  }

  /**
   * Removes the folder of a recording that failed to start (e.g. disk already full). No audio
   * was accepted yet, so nothing is lost; leaving it would show an empty "repaired" session.
   * Only the files start() creates are removed; rmdir refuses if anything else is there.
   */
  private static discardUnstarted(dir: string): void {
    for (const file of [SESSION_FILES.trace, SESSION_FILES.audio, SESSION_FILES.meta]) {
      try {
        unlinkSync(join(dir, file))
      } catch {
        // not created, or the volume refuses: start-up repair will see to what is left
      }
    }
    try {
      rmdirSync(dir)
    } catch {
      // as above
    }
  }

  get status(): RecorderState {
    return this.state
  }

  get framesWritten(): number {
    return this.dataBytes / BYTES_PER_FRAME
  }

  /** Frames the on-disk header covers: what a reader sees after a process crash, without repair. */
  get framesInHeader(): number {
    return this.headerDataBytes / BYTES_PER_FRAME
  }

  /** Frames whose header patch has been fsync'd: what survives even a power cut. */
  get framesSynced(): number {
    return this.syncedDataBytes / BYTES_PER_FRAME
  }

  get sessionMeta(): SessionMeta {
    return this.meta
  }

  private ensureRecording(): void {
    if (this.state === 'failed') {
      throw new SessionStorageError(
        `${this.audioPath}: recording stopped after an earlier failure: ${this.failure?.message}`,
        this.audioPath,
        { cause: this.failure },
      )
    }
    if (this.state === 'stopped') throw new InvalidArgumentError(`session ${this.id}: recording already stopped`)
  }

  /**
   * Appends a chunk. A jump forward in `firstSampleIndex` (the source dropped samples) is filled
   * with silence so the audio stays aligned with the HR trace and noted in session.json; samples
   * already written (an overlapping resend) are skipped.
   */
  appendAudio(chunk: PcmChunk): void {
    this.ensureRecording()
    if (chunk.sampleRateHz !== this.meta.sampleRateHz) {
      throw new InvalidArgumentError(
        `session ${this.id}: chunk sampleRateHz ${chunk.sampleRateHz} differs from the recording's ${this.meta.sampleRateHz}`,
      )
    }
    if (!Number.isInteger(chunk.firstSampleIndex) || chunk.firstSampleIndex < 0) {
      throw new InvalidArgumentError(`session ${this.id}: chunk firstSampleIndex must be an integer ≥ 0, got ${chunk.firstSampleIndex}`)
    }
    this.originSampleIndex ??= chunk.firstSampleIndex
    const expected = this.originSampleIndex + this.framesWritten
    let samples = chunk.samples
    if (chunk.firstSampleIndex > expected) {
      const gap = chunk.firstSampleIndex - expected
      if (gap > MAX_DROPOUT_S * this.meta.sampleRateHz) {
        throw new InvalidArgumentError(
          `session ${this.id}: chunk firstSampleIndex ${chunk.firstSampleIndex} jumps ${gap} samples ahead (> ${MAX_DROPOUT_S} ` +
            `s); refusing to pad that much silence`,
        )
      }
      this.dropouts.push({ atS: this.framesWritten / this.meta.sampleRateHz, samples: gap })
      // In pieces of at most a second, so a long dropout never needs one big allocation.
      for (let left = gap; left > 0; left -= this.meta.sampleRateHz)
        this.writeFrames(new Float32Array(Math.min(left, this.meta.sampleRateHz)))
    } else if (chunk.firstSampleIndex < expected) {
      samples = samples.subarray(Math.min(samples.length, expected - chunk.firstSampleIndex))
    }
    if (samples.length > 0) {
      const chunkStartFrame = this.framesWritten
      this.writeFrames(samples)
      // Stretches the source itself filled in (e.g. a lost serial frame): noted like dropouts.
      const skipped = chunk.samples.length - samples.length
      for (const [start, end] of chunk.gaps ?? []) {
        const from = Math.max(start - skipped, 0)
        const to = Math.min(end - skipped, samples.length)
        if (to > from) this.dropouts.push({ atS: (chunkStartFrame + from) / this.meta.sampleRateHz, samples: to - from })
      }
    }
    if (Date.now() - this.lastSyncMs >= this.syncIntervalMs) this.syncInBackground()
  }

  private writeFrames(samples: Float32Array): void {
    if (this.dataBytes + samples.length * BYTES_PER_FRAME > WAV_MAX_DATA_BYTES) {
      // 4 GiB: 74 h at 4 kHz. Refused without failing, so the file stays final-able by stop().
      throw new InvalidArgumentError(`session ${this.id}: the recording reached the 4 GiB limit of a WAV file; stop it and start a new one`)
    }
    const bytes = encodeSamples(samples, 1, SAMPLE_FORMAT)
    try {
      writeAll(this.audioFd, bytes, WAV_HEADER_BYTES + this.dataBytes)
      this.dataBytes += bytes.length
      this.dirty = true
      this.peaks.push(samples)
    } catch (err) {
      // Keep what fitted as whole frames, drop a torn frame, and leave a valid header behind.
      this.fail(toStorageError(err, this.audioPath, 'appending audio'))
      throw this.failure
    }
  }

  appendWindowEvent(event: HrTraceEntry): void {
    this.ensureRecording()
    // Validated before writing: a NaN would be written as null and make the line unreadable
    // later, taking the rest of the trace with it.
    const checked = hrTraceEntrySchema.safeParse(event)
    if (!checked.success) {
      const { field, detail } = describeIssue(checked.error, event)
      throw new InvalidArgumentError(`session ${this.id}: window event field "${field ?? '(event)'}": ${detail}`)
    }
    const line = Buffer.from(formatHrTraceLine(checked.data), 'utf8')
    try {
      writeAll(this.traceFd, line, this.traceBytes)
      this.traceBytes += line.length
      this.dirty = true
    } catch (err) {
      this.fail(toStorageError(err, this.tracePath, 'appending HR trace'))
      throw this.failure
    }
    if (event.hrBpm !== null && event.hrBpm > 0) {
      this.hrCount++
      this.hrSum += event.hrBpm
      this.hrMin = Math.min(this.hrMin, event.hrBpm)
      this.hrMax = Math.max(this.hrMax, event.hrBpm)
    }
  }

  private patchHeader(): void {
    writeAll(this.audioFd, this.header(), 0)
    this.headerDataBytes = this.dataBytes
    this.dirty = false
    this.lastSyncMs = Date.now()
  }

  /** Patches the header to cover all audio written and fsyncs audio and trace, synchronously. */
  sync(): void {
    this.ensureRecording()
    try {
      this.patchHeader()
      fsyncSync(this.audioFd)
      fsyncSync(this.traceFd)
    } catch (err) {
      this.fail(toStorageError(err, this.audioPath, 'syncing'))
      throw this.failure
    }
    this.syncedDataBytes = this.headerDataBytes
  }

  /**
   * The periodic sync: header patched now (a process crash then loses nothing), fsync of both
   * files on the thread pool. One fsync at a time; if the disk is slower than the interval the
   * next patch simply waits for its turn (the header is still rewritten every time).
   */
  private syncInBackground(): void {
    try {
      this.patchHeader()
    } catch (err) {
      this.fail(toStorageError(err, this.audioPath, 'patching the WAV header'))
      throw this.failure
    }
    if (this.fsyncInFlight) return
    this.fsyncInFlight = true
    const covered = this.headerDataBytes
    const audioFd = this.audioFd
    const traceFd = this.traceFd
    fsync(audioFd, (audioErr) => {
      fsync(traceFd, (traceErr) => {
        this.fsyncInFlight = false
        const err = audioErr ?? traceErr
        if (err) {
          if (this.state === 'recording') this.fail(toStorageError(err, this.audioPath, 'syncing'))
        } else {
          this.syncedDataBytes = Math.max(this.syncedDataBytes, covered)
        }
        if (this.closeWhenFsynced) this.closeFiles()
      })
    })
  }

  private closeFiles(): void {
    closeSync(this.audioFd)
    closeSync(this.traceFd)
  }

  private header(): Uint8Array {
    return encodeWavHeader({ sampleRateHz: this.meta.sampleRateHz, channels: 1, format: SAMPLE_FORMAT, dataBytes: this.dataBytes })
  }

  /**
   * After a write error: cut both files back to what was completely written and patch the
   * header, so the folder stays valid. Best effort — if even that fails, start-up repair will.
   */
  private fail(error: Error): void {
    this.state = 'failed'
    this.failure = error
    clearInterval(this.timer)
    try {
      ftruncateSync(this.audioFd, WAV_HEADER_BYTES + this.dataBytes)
      writeAll(this.audioFd, this.header(), 0)
      this.headerDataBytes = this.dataBytes
      fsyncSync(this.audioFd)
      this.syncedDataBytes = this.dataBytes
    } catch {
      // repair.ts recomputes the sizes from the file length at next start-up
    }
    try {
      ftruncateSync(this.traceFd, this.traceBytes)
      fsyncSync(this.traceFd)
    } catch {
      // a torn last trace line is tolerated by the reader
    }
  }

  private summary(): HrSummary | null {
    if (this.hrCount === 0) return null
    return { windows: this.hrCount, minBpm: this.hrMin, maxBpm: this.hrMax, meanBpm: this.hrSum / this.hrCount }
  }

  /**
   * Finalises the WAV and writes session.json with status "complete". After a storage failure
   * it still closes the files and tries to finalise; if session.json cannot be written (disk
   * still full) it throws, and the folder is left for repair — the audio is intact. Either way
   * the recorder lock is released: the recording is over, and the library lists a session left
   * "recording" as one to repair.
   */
  stop(notes?: string): SessionMeta {
    if (this.state === 'stopped') throw new InvalidArgumentError(`session ${this.id}: recording already stopped`)
    clearInterval(this.timer)
    const failed = this.state === 'failed'
    if (!failed) {
      try {
        this.sync()
      } catch (err) {
        // The recorder is now 'failed'; a second stop() finalises what was saved. Until then the
        // session is not live: the library offers to repair it.
        this.lock.release()
        throw err
      }
    }
    this.state = 'stopped'
    // A background fsync still holds the descriptors: closing now could let the OS reuse the
    // numbers under it, so the callback closes them instead.
    if (this.fsyncInFlight) this.closeWhenFsynced = true
    else this.closeFiles()
    const { recorderPid: _pid, ...rest } = this.meta
    const frames = this.framesWritten
    this.meta = {
      ...rest,
      status: 'complete',
      endedAt: new Date().toISOString(),
      audio: { ...rest.audio, frames, durationS: frames / this.meta.sampleRateHz },
      hrSummary: this.summary(),
      ...(notes === undefined ? {} : { notes }),
      ...(this.dropouts.length > 0 ? { dropouts: this.dropouts } : {}),
      ...(failed
        ? { repairs: [...rest.repairs, { at: new Date().toISOString(), action: `recording ended early: ${this.failure?.message}` }] }
        : {}),
    }
    try {
      writeFileAtomic(this.metaPath, formatSessionMeta(this.meta))
    } finally {
      this.lock.release()
    }
    // After session.json: the overview is derived data, and a failure to save it loses nothing.
    try {
      writePeakFileSync(this.dir, this.peaks.finish(this.meta.sampleRateHz))
      this.overviewSaved = true
    } catch {
      this.overviewSaved = false
    }
    return this.meta
  }
}
