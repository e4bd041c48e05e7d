/**
 * The recording under way: starts a SessionRecorder on the running source, feeds it the monitor's
 * PCG chunks and HR windows, keeps the marks, and reports its status (at once on every change,
 * and once a second while it records so the elapsed time moves).
 */
import { alarmLogLabel } from '../../core/alarms/alarm-priority'
import type { RecordingStatus, SavedRecording, SessionSummary } from '../../core/api/contract'
import { InvalidArgumentError } from '../../core/errors'
import type { MonitorEvent } from '../../core/monitor/monitor-events'
import type { SessionLocation, SessionMeta } from '../../core/sessions/session-schema'
import type { PcmSource } from '../devices/source'
import { SessionRecorder } from '../sessions/session-recorder'
import type { SessionLibraryPort } from './session-library-port'

export const CIRCOR_ATTRIBUTION =
  'Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022, PhysioNet, ' +
  'doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.'

export interface RecordingRequest {
  location: SessionLocation
  patientId?: string
  patientName?: string
  notes?: string
  /** The 4-point exam visit the recording belongs to (exam-controller.ts). */
  visitId?: string
  /** A timed clip: the recording stops by itself after this many seconds of audio. */
  clipS?: number
}

/** Where a recording starts: the folder, the running source and the loaded model. */
export interface RecordingContext {
  dataDir: string
  /** The running source, or null when none runs. */
  source: PcmSource | null
  modelId: string | null
}

export interface RecordingControllerOptions {
  library: Pick<SessionLibraryPort, 'addMarkers' | 'list'>
  onStatus(status: RecordingStatus): void
  /** A chunk that could not be written: reported, the recording goes on. */
  onError(error: Error): void
  /** A recording ended and is final (before its status says so: a visit files it first). */
  onSaved?(meta: SessionMeta): void
}

interface ActiveRecording {
  recorder: SessionRecorder
  /** Stream sample index at which the recording began. */
  originSampleIndex: number | null
  sampleRateHz: number
  markers: Array<{ timeS: number; label: string }>
  request: RecordingRequest
  /** A timed clip's length in frames (null: until stopped). */
  clipFrames: number | null
  /** The session's alarm log: every alarm transition while it records, filed as markers beside the user's marks. */
  alarmLog: Array<{ timeS: number; label: string }>
}

export class RecordingController {
  private recording: ActiveRecording | null = null
  private lastPcgRateHz = 4000
  private lastStreamSampleIndex = 0
  /** The recording that ended last (what the screen's "Saved: …" line names). */
  private lastSaved: SavedRecording | null = null
  private readonly ticker: NodeJS.Timeout

  constructor(private readonly options: RecordingControllerOptions) {
    this.ticker = setInterval(() => {
      if (this.recording) options.onStatus(this.status())
    }, 1000)
    this.ticker.unref()
  }

  get active(): boolean {
    return this.recording !== null
  }

  /** Where the stream is now, in seconds: used by the renderer to place marks. */
  streamTimeS(): number {
    return this.lastStreamSampleIndex / this.lastPcgRateHz
  }

  /** Every monitor event passes here first: audio and HR windows go into the recording. */
  onMonitorEvent(event: MonitorEvent): void {
    const recording = this.recording
    if (event.type === 'pcg') {
      this.lastPcgRateHz = event.sampleRateHz
      this.lastStreamSampleIndex = event.firstSampleIndex + event.samples.length
      if (recording && recording.recorder.status === 'recording') {
        if (recording.originSampleIndex === null) {
          recording.originSampleIndex = event.firstSampleIndex
          recording.sampleRateHz = event.sampleRateHz
        }
        if (recording.clipFrames === null && recording.request.clipS !== undefined)
          recording.clipFrames = Math.round(recording.request.clipS * event.sampleRateHz)
        // A timed clip takes exactly its length: the chunk that crosses the end is cut there.
        const room = recording.clipFrames === null ? Infinity : recording.clipFrames - recording.recorder.framesWritten
        const samples = room < event.samples.length ? event.samples.slice(0, Math.max(0, room)) : event.samples
        try {
          if (samples.length > 0)
            recording.recorder.appendAudio({
              samples: Float32Array.from(samples),
              sampleRateHz: event.sampleRateHz,
              firstSampleIndex: event.firstSampleIndex,
            })
        } catch (error) {
          this.options.onError(error as Error)
        }
        if (recording.clipFrames !== null && recording.recorder.framesWritten >= recording.clipFrames) {
          this.stop().catch((error: unknown) => this.options.onError(error as Error))
        }
      }
    } else if (event.type === 'alarm' && recording && recording.recorder.status === 'recording') {
      // Stream time to recording time; an alarm before the first chunk is filed at the start.
      const originS = recording.originSampleIndex === null ? event.atS : recording.originSampleIndex / recording.sampleRateHz
      recording.alarmLog.push({ timeS: Math.max(0, event.atS - originS), label: alarmLogLabel(event) })
    } else if (event.type === 'window' && recording && recording.originSampleIndex !== null && recording.recorder.status === 'recording') {
      const originS = recording.originSampleIndex / recording.sampleRateHz
      const timeS = event.windowEndS - originS
      if (timeS < 0) return
      try {
        recording.recorder.appendWindowEvent({
          timeS,
          hrBpm: event.hrBpm,
          confidence: event.confidence,
          layers: event.layers.map((l) => ({ index: l.index, hrBpm: l.hrBpm, confidence: l.confidence })),
          classicalHrBpm: event.classical.hrBpm,
          classicalQuality: event.classical.quality,
          // What the monitor detected, in recording seconds: the library's S1/S2 lane and the export's CirCor segmentation.
          ...(event.beats
            ? {
                s1OnsetsS: event.beats.s1OnsetsS.map((t) => t - originS).filter((t) => t >= 0),
                s2OnsetsS: event.beats.s2OnsetsS.map((t) => t - originS).filter((t) => t >= 0),
              }
            : {}),
        })
      } catch {
        // The HR trace is secondary to the audio; a failed line is not worth stopping for.
      }
    }
  }

  status(): RecordingStatus {
    const r = this.recording
    if (!r) return { recording: false, sessionId: null, elapsedS: 0, markers: 0, lastSaved: this.lastSaved }
    return {
      recording: true,
      sessionId: r.recorder.id,
      elapsedS: r.recorder.framesWritten / r.sampleRateHz,
      markers: r.markers.length,
      location: r.request.location,
      visitId: r.request.visitId ?? null,
      clipS: r.request.clipS ?? null,
      lastSaved: this.lastSaved,
    }
  }

  start(request: RecordingRequest, context: RecordingContext): RecordingStatus {
    if (this.recording) throw new InvalidArgumentError('already recording; stop the current recording first')
    const source = context.source
    if (!source) throw new InvalidArgumentError('no signal source is running; pick a device first')
    const sampleRateHz = Math.round(this.lastPcgRateHz)
    const recorder = SessionRecorder.start({
      dataDir: context.dataDir,
      sampleRateHz,
      location: request.location,
      patient: { ...(request.patientId ? { id: request.patientId } : {}), ...(request.patientName ? { name: request.patientName } : {}) },
      ...(request.visitId ? { visitId: request.visitId } : {}),
      device: { id: source.id, name: source.label },
      modelId: context.modelId,
      notes: request.notes ?? '',
      ...(source.kind === 'demo' ? { attribution: CIRCOR_ATTRIBUTION } : {}),
    })
    this.recording = { recorder, originSampleIndex: null, sampleRateHz, markers: [], alarmLog: [], request, clipFrames: null }
    const status = this.status()
    this.options.onStatus(status)
    return status
  }

  /** Finalises the session and files its marks; the library's summary of it, or null when none was recording. */
  async stop(): Promise<SessionSummary | null> {
    const r = this.recording
    if (!r) return null
    this.recording = null
    const meta = r.recorder.stop()
    await this.options.library.addMarkers(meta.id, [...r.markers, ...r.alarmLog])
    this.options.onSaved?.(meta)
    this.lastSaved = {
      sessionId: meta.id,
      location: meta.location,
      durationS: meta.audio.durationS,
      patientId: meta.patient.id ?? null,
      visitId: meta.visitId ?? null,
    }
    this.options.onStatus(this.status())
    const summaries = await this.options.library.list()
    return summaries.find((s) => s.id === meta.id) ?? null
  }

  mark(label: string): { timeS: number } {
    const r = this.recording
    if (!r) throw new InvalidArgumentError('mark: not recording')
    const timeS = r.recorder.framesWritten / r.sampleRateHz
    r.markers.push({ timeS, label })
    this.options.onStatus(this.status())
    return { timeS }
  }

  dispose(): void {
    clearInterval(this.ticker)
  }
}
