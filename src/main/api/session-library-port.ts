/**
 * The session library as the API needs it: list, read, edit annotations with undo, export. A thin
 * fs implementation over the sessions engineer's pure core (schema, annotations, TSV, report) and
 * folder layout (data-dir.ts, repair.ts), kept behind this interface so the richer library in
 * src/main/sessions can replace it without touching the API.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { AnnotationEdit, ApiAnnotation, SessionAudio, SessionDetail, SessionSummary } from '../../core/api/contract'
import {
  applyAnnotationOp,
  canRedo,
  canUndo,
  editHistory,
  emptyAnnotationDoc,
  formatAnnotationDoc,
  nextAnnotationId,
  parseAnnotationDoc,
  redoHistory,
  startHistory,
  undoHistory,
  type AnnotationDoc,
  type AnnotationHistory,
  type AnnotationOp,
} from '../../core/sessions/annotations'
import { exportCircorTsv } from '../../core/sessions/circor-tsv'
import { parseHrTrace } from '../../core/sessions/hr-trace'
import { filterSessions } from '../../core/sessions/library-filter'
import { renderSessionReport } from '../../core/sessions/report-html'
import { SessionNotFoundError } from '../../core/sessions/session-errors'
import { formatSessionMeta, parseSessionMeta, type SessionMeta } from '../../core/sessions/session-schema'
import { readWavMono } from '../io/wav-file'
import { writeFileAtomic } from '../sessions/atomic-write'
import { SESSION_FILES, ensurePrivateDir } from '../sessions/data-dir'
import { listSessionDirs } from '../sessions/repair'

export interface SessionLibraryPort {
  list(text?: string): Promise<SessionSummary[]>
  get(id: string): Promise<SessionDetail>
  audio(id: string): Promise<SessionAudio>
  edit(id: string, edit: AnnotationEdit): Promise<SessionDetail>
  setNotes(id: string, notes: string): Promise<SessionDetail>
  /** Adds markers to a just-finished recording (the live "mark" button). */
  addMarkers(id: string, markers: ReadonlyArray<{ timeS: number; label: string }>): Promise<void>
  exportSession(id: string, format: 'folder' | 'zip'): Promise<{ path: string; files: string[] }>
}

export class FsSessionLibrary implements SessionLibraryPort {
  private readonly histories = new Map<string, AnnotationHistory>()
  constructor(
    private readonly dataDir: () => string,
    private readonly attribution: string,
  ) {}

  private dirOf(id: string): string {
    const dir = listSessionDirs(this.dataDir()).find((d) => basename(d) === id)
    if (!dir) throw new SessionNotFoundError(`session ${JSON.stringify(id)}: not in the library at ${this.dataDir()}`)
    return dir
  }

  private readMeta(dir: string): SessionMeta {
    const file = join(dir, SESSION_FILES.meta)
    return parseSessionMeta(readFileSync(file, 'utf8'), file)
  }

  private readDoc(dir: string): AnnotationDoc {
    const file = join(dir, SESSION_FILES.annotations)
    return existsSync(file) ? parseAnnotationDoc(readFileSync(file, 'utf8'), file) : emptyAnnotationDoc()
  }

  private history(id: string, dir: string): AnnotationHistory {
    let history = this.histories.get(id)
    if (!history) this.histories.set(id, (history = startHistory(this.readDoc(dir))))
    return history
  }

  private summary(meta: SessionMeta, doc: AnnotationDoc): SessionSummary {
    return {
      id: meta.id,
      startedAt: meta.startedAt,
      durationS: meta.audio.durationS,
      status: meta.status,
      location: meta.location,
      patientId: meta.patient.id ?? null,
      patientName: meta.patient.name ?? null,
      deviceName: meta.device.name,
      meanHrBpm: meta.hrSummary?.meanBpm ?? null,
      notes: meta.notes,
      annotationCount: doc.items.length,
    }
  }

  private detail(id: string, dir: string): SessionDetail {
    const history = this.history(id, dir)
    return {
      summary: this.summary(this.readMeta(dir), history.present),
      annotations: history.present.items as ApiAnnotation[],
      canUndo: canUndo(history),
      canRedo: canRedo(history),
    }
  }

  async list(text?: string): Promise<SessionSummary[]> {
    const metas: SessionMeta[] = []
    const docs = new Map<string, AnnotationDoc>()
    for (const dir of listSessionDirs(this.dataDir())) {
      try {
        const meta = this.readMeta(dir)
        metas.push(meta)
        docs.set(meta.id, this.histories.get(meta.id)?.present ?? this.readDoc(dir))
      } catch {
        // A corrupt folder is the repair tool's business; the library lists what it can read.
      }
    }
    return filterSessions(metas, text ? { text } : {}).map((meta) => this.summary(meta, docs.get(meta.id) ?? emptyAnnotationDoc()))
  }

  async get(id: string): Promise<SessionDetail> {
    return this.detail(id, this.dirOf(id))
  }

  async audio(id: string): Promise<SessionAudio> {
    const dir = this.dirOf(id)
    const { samples, sampleRateHz } = readWavMono(join(dir, SESSION_FILES.audio))
    return { sessionId: id, sampleRateHz, samples: Array.from(samples) }
  }

  private persist(id: string, dir: string, history: AnnotationHistory): void {
    this.histories.set(id, history)
    writeFileAtomic(join(dir, SESSION_FILES.annotations), formatAnnotationDoc(history.present))
  }

  private opFor(doc: AnnotationDoc, edit: AnnotationEdit): AnnotationOp {
    switch (edit.type) {
      case 'addMarker':
        return { type: 'add', item: { kind: 'marker', id: nextAnnotationId(doc), timeS: edit.timeS, label: edit.label, note: '' } }
      case 'addSpan':
        return {
          type: 'add',
          item: { kind: 'span', id: nextAnnotationId(doc), spanKind: edit.spanKind, startS: Math.min(edit.startS, edit.endS), endS: Math.max(edit.startS, edit.endS), label: edit.label || edit.spanKind, note: '' },
        }
      case 'move': {
        const item = doc.items.find((i) => i.id === edit.id)
        if (item?.kind === 'marker') return { type: 'update', id: edit.id, changes: { timeS: edit.timeS ?? edit.startS ?? item.timeS } }
        if (item?.kind === 'span') {
          const startS = edit.startS ?? item.startS
          const endS = edit.endS ?? (edit.startS !== undefined ? edit.startS + (item.endS - item.startS) : item.endS)
          return { type: 'update', id: edit.id, changes: { startS, endS } }
        }
        return { type: 'remove', id: edit.id } // applyAnnotationOp names the missing id
      }
      case 'remove':
        return { type: 'remove', id: edit.id }
      case 'undo':
      case 'redo':
        throw new Error('unreachable')
    }
  }

  async edit(id: string, edit: AnnotationEdit): Promise<SessionDetail> {
    const dir = this.dirOf(id)
    const history = this.history(id, dir)
    const next =
      edit.type === 'undo' ? undoHistory(history) : edit.type === 'redo' ? redoHistory(history) : editHistory(history, this.opFor(history.present, edit))
    this.persist(id, dir, next)
    return this.detail(id, dir)
  }

  async setNotes(id: string, notes: string): Promise<SessionDetail> {
    const dir = this.dirOf(id)
    const meta = this.readMeta(dir)
    writeFileAtomic(join(dir, SESSION_FILES.meta), formatSessionMeta({ ...meta, notes }))
    return this.detail(id, dir)
  }

  async addMarkers(id: string, markers: ReadonlyArray<{ timeS: number; label: string }>): Promise<void> {
    if (markers.length === 0) return
    const dir = this.dirOf(id)
    let doc = this.readDoc(dir)
    for (const marker of markers) {
      doc = applyAnnotationOp(doc, { type: 'add', item: { kind: 'marker', id: nextAnnotationId(doc), timeS: marker.timeS, label: marker.label, note: '' } })
    }
    this.persist(id, dir, startHistory(doc))
  }

  /** Folder export: audio, metadata, annotations (JSON and CirCor .tsv), HR trace and the HTML report. */
  async exportSession(id: string, format: 'folder' | 'zip'): Promise<{ path: string; files: string[] }> {
    if (format === 'zip') throw new Error('zip export: not available in this build; use folder export')
    const dir = this.dirOf(id)
    const meta = this.readMeta(dir)
    const doc = this.history(id, dir).present
    const out = join(this.dataDir(), 'exports', id)
    ensurePrivateDir(join(this.dataDir(), 'exports'))
    mkdirSync(out, { recursive: true, mode: 0o700 })
    const files: string[] = []
    for (const name of [SESSION_FILES.audio, SESSION_FILES.meta, SESSION_FILES.trace]) {
      if (existsSync(join(dir, name))) {
        copyFileSync(join(dir, name), join(out, name))
        files.push(name)
      }
    }
    writeFileAtomic(join(out, SESSION_FILES.annotations), formatAnnotationDoc(doc))
    files.push(SESSION_FILES.annotations)
    writeFileAtomic(join(out, `${id}.tsv`), exportCircorTsv(doc, meta.audio.durationS).text)
    files.push(`${id}.tsv`)
    const { samples, sampleRateHz } = readWavMono(join(dir, SESSION_FILES.audio))
    const tracePath = join(dir, SESSION_FILES.trace)
    const trace = existsSync(tracePath) ? parseHrTrace(readFileSync(tracePath, 'utf8'), tracePath).entries : []
    writeFileAtomic(join(out, 'report.html'), renderSessionReport({ meta, samples, sampleRateHz, trace, annotations: doc, footnotes: [this.attribution] }))
    files.push('report.html')
    return { path: out, files }
  }
}
