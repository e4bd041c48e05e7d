/**
 * The guided 4-point exam behind the API (visit-contract.ts): starts visits, records one timed
 * clip per site through the recording controller, and files each finished clip at its site of
 * the visit (src/main/sessions/exam.ts keeps the visit file).
 */
import type { RecordingStatus, SessionSummary } from '../../core/api/contract'
import type { ExamPointName, VisitInfo, VisitPointInfo } from '../../core/api/visit-contract'
import type { SessionMeta } from '../../core/sessions/session-schema'
import { EXAM_POINTS, nextExamPoint, type Visit } from '../../core/sessions/visit-schema'
import { ExamVisit } from '../sessions/exam'
import type { RecordingRequest } from './recording-controller'
import type { SessionLibraryPort } from './session-library-port'

export interface ExamControllerOptions {
  /** The library folder now (it can change in Settings). */
  dataDir(): string
  library: Pick<SessionLibraryPort, 'list'>
  startRecording(request: RecordingRequest): RecordingStatus
  /** A visit file that could not be read while listing: reported, the others are listed. */
  onError(error: Error): void
}

function pointInfo(sessionId: string | null, sessions: ReadonlyMap<string, SessionSummary>): VisitPointInfo | null {
  if (sessionId === null) return null
  const session = sessions.get(sessionId)
  return {
    sessionId,
    startedAt: session?.startedAt ?? null,
    durationS: session?.durationS ?? null,
    meanHrBpm: session?.meanHrBpm ?? null,
  }
}

export function visitInfo(visit: Visit, sessions: ReadonlyMap<string, SessionSummary>): VisitInfo {
  return {
    id: visit.id,
    createdAt: visit.createdAt,
    patientId: visit.patient.id ?? null,
    patientName: visit.patient.name ?? null,
    points: {
      AV: pointInfo(visit.points.AV, sessions),
      PV: pointInfo(visit.points.PV, sessions),
      TV: pointInfo(visit.points.TV, sessions),
      MV: pointInfo(visit.points.MV, sessions),
    },
    nextPoint: nextExamPoint(visit),
    notes: visit.notes,
  }
}

export class ExamController {
  constructor(private readonly options: ExamControllerOptions) {}

  private async sessionsById(): Promise<Map<string, SessionSummary>> {
    return new Map((await this.options.library.list()).map((s) => [s.id, s]))
  }

  async start(patientId: string, patientName?: string): Promise<VisitInfo> {
    const patient = { id: patientId, ...(patientName ? { name: patientName } : {}) }
    const exam = ExamVisit.start(this.options.dataDir(), patient)
    return visitInfo(exam.visit, new Map())
  }

  async get(id: string): Promise<VisitInfo> {
    return visitInfo(ExamVisit.load(this.options.dataDir(), id).visit, await this.sessionsById())
  }

  /** Newest first; an unreadable visit file is reported and left out, never a failed list. */
  async list(): Promise<VisitInfo[]> {
    const dataDir = this.options.dataDir()
    const sessions = await this.sessionsById()
    const out: VisitInfo[] = []
    for (const id of ExamVisit.listIds(dataDir).reverse()) {
      try {
        out.push(visitInfo(ExamVisit.load(dataDir, id).visit, sessions))
      } catch (error) {
        this.options.onError(error as Error)
      }
    }
    return out
  }

  /** Starts the site's timed clip; it is filed at the site when it ends (onSaved). */
  record(id: string, point: ExamPointName, clipS: number): { sessionId: string } {
    const { visit } = ExamVisit.load(this.options.dataDir(), id)
    const status = this.options.startRecording({
      location: point,
      ...(visit.patient.id ? { patientId: visit.patient.id } : {}),
      ...(visit.patient.name ? { patientName: visit.patient.name } : {}),
      visitId: visit.id,
      clipS,
    })
    return { sessionId: status.sessionId ?? '' }
  }

  /**
   * A recording ended: a clip of a visit is filed at its site (however it ended: a clip stopped
   * early is filed too, with its length, so the checklist shows it and the site can be redone).
   */
  onSaved(meta: SessionMeta): void {
    if (meta.visitId === undefined || !(EXAM_POINTS as readonly string[]).includes(meta.location)) return
    try {
      ExamVisit.load(this.options.dataDir(), meta.visitId).attach(meta)
    } catch (error) {
      this.options.onError(error as Error)
    }
  }
}
