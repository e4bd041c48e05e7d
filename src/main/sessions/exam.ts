/**
 * The guided 4-point exam: one visit, four recordings (AV → PV → TV → MV). The visit file is
 * rewritten atomically after each point, so a crash mid-exam leaves the points already recorded
 * attached, and the interrupted recording itself is recovered by start-up repair.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import { SessionNotFoundError } from '../../core/sessions/session-errors'
import type { Patient, SessionMeta } from '../../core/sessions/session-schema'
import {
  EXAM_POINTS,
  isExamComplete,
  nextExamPoint,
  parseVisit,
  visitSchema,
  type ExamPoint,
  type Visit,
} from '../../core/sessions/visit-schema'
import { writeFileAtomic } from './atomic-write'
import { ensurePrivateDir, newSessionId, visitsRoot } from './data-dir'
import { withStorageErrors } from './fs-errors'
import { SessionRecorder, type RecorderOptions } from './session-recorder'

export type ExamRecorderOptions = Omit<RecorderOptions, 'dataDir' | 'location' | 'locationDetail' | 'patient' | 'visitId'>

export class ExamVisit {
  readonly dataDir: string
  private current: Visit

  private constructor(dataDir: string, visit: Visit) {
    this.dataDir = dataDir
    this.current = visit
  }

  static start(dataDir: string, patient: Patient = {}, now: Date = new Date()): ExamVisit {
    const visit = visitSchema.parse({
      schemaVersion: 1,
      id: newSessionId(now),
      createdAt: now.toISOString(),
      patient,
      points: { AV: null, PV: null, TV: null, MV: null },
      notes: '',
    })
    const exam = new ExamVisit(dataDir, visit)
    exam.save()
    return exam
  }

  static load(dataDir: string, visitId: string): ExamVisit {
    const path = join(visitsRoot(dataDir), `${visitId}.json`)
    if (!existsSync(path)) throw new SessionNotFoundError(`visit ${visitId}: ${path} not found`)
    return new ExamVisit(
      dataDir,
      parseVisit(
        withStorageErrors(path, 'reading', () => readFileSync(path, 'utf8')),
        path,
      ),
    )
  }

  static listIds(dataDir: string): string[] {
    const root = visitsRoot(dataDir)
    if (!existsSync(root)) return []
    return readdirSync(root)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => f.slice(0, -5))
      .sort()
  }

  get visit(): Visit {
    return this.current
  }

  get path(): string {
    return join(visitsRoot(this.dataDir), `${this.current.id}.json`)
  }

  get nextPoint(): ExamPoint | null {
    return nextExamPoint(this.current)
  }

  get complete(): boolean {
    return isExamComplete(this.current)
  }

  private save(): void {
    ensurePrivateDir(this.dataDir)
    ensurePrivateDir(visitsRoot(this.dataDir))
    writeFileAtomic(this.path, `${JSON.stringify(this.current, null, 2)}\n`)
  }

  /** Starts the recording of `point` (default: the next one in the guided order). */
  startRecording(options: ExamRecorderOptions, point: ExamPoint | null = this.nextPoint): SessionRecorder {
    if (point === null) throw new InvalidArgumentError(`visit ${this.current.id}: all four points are recorded`)
    if (!EXAM_POINTS.includes(point))
      throw new InvalidArgumentError(`visit ${this.current.id}: unknown exam point ${JSON.stringify(point)}`)
    return SessionRecorder.start({
      ...options,
      dataDir: this.dataDir,
      location: point,
      patient: this.current.patient,
      visitId: this.current.id,
    })
  }

  /**
   * Attaches a finished recording (stop()'s result) to its point; a re-recording replaces the pointer, the old session
   * stays in the library.
   */
  attach(meta: SessionMeta): Visit {
    if (meta.visitId !== this.current.id)
      throw new InvalidArgumentError(`session ${meta.id}: belongs to visit ${meta.visitId ?? '(none)'}, not ${this.current.id}`)
    if (!(EXAM_POINTS as readonly string[]).includes(meta.location))
      throw new InvalidArgumentError(`session ${meta.id}: location ${meta.location} is not an exam point`)
    const point = meta.location as ExamPoint
    this.current = { ...this.current, points: { ...this.current.points, [point]: meta.id } }
    this.save()
    return this.current
  }

  setNotes(notes: string): Visit {
    this.current = { ...this.current, notes }
    this.save()
    return this.current
  }
}
