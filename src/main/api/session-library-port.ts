/**
 * The session library as the API needs it: list, read, edit annotations with undo, export. An
 * adapter over src/main/sessions (SessionLibrary, AnnotationEditor, exporter): it only maps their
 * shapes onto the contract's and keeps one editor (one undo history) per session.
 */
import { statSync } from 'node:fs'
import { basename, join, sep } from 'node:path'
import {
  type AnnotationEdit,
  type AnnotationImportResult,
  type ApiAnnotation,
  type ApiRequest,
  type ExportFile,
  type ExportKind,
  type SessionBeatsPayload,
  type SessionAudio,
  type SessionDetail,
  type SessionProblemInfo,
  type SessionRepairResult,
  type SessionSummary,
} from '../../core/api/contract'
import type { AudioRange, SessionPeaks } from '../../core/api/session-audio-contract'
import { MAX_WHOLE_AUDIO_FRAMES } from '../../core/sessions/audio-range'
import { InvalidArgumentError } from '../../core/errors'
import { spanKindForLabel, type AnnotationDoc, type AnnotationOp } from '../../core/sessions/annotations'
import { parseAudacityLabels } from '../../core/sessions/audacity-labels'
import type { SessionLocation, SessionMeta } from '../../core/sessions/session-schema'
import { nextAnnotationId as nextId } from '../../core/sessions/annotations'
import { AnnotationEditor, readAnnotations } from '../sessions/annotation-store'
import { SessionAudioClient } from '../sessions/session-audio-client'
import { SESSION_FILES } from '../sessions/data-dir'
import { exportRawSessionRun, exportSessionRun } from '../sessions/exporter'
import { repairSessionDir, type RepairResult } from '../sessions/repair'
import { SessionLibrary, type SessionProblem } from '../sessions/session-store'
import { nodePdfPrinter } from '../sessions/pdf-printer'
import { SessionExchange, toExportFile, type ExportHost } from './session-exchange'

export interface SessionChanges {
  notes?: string
  patientId?: string
  patientName?: string
  location?: SessionLocation
}

export interface SessionLibraryPort {
  list(text?: string): Promise<SessionSummary[]>
  get(id: string): Promise<SessionDetail>
  /** The whole recording as base64: short sessions only (MAX_WHOLE_AUDIO_FRAMES). */
  audio(id: string): Promise<SessionAudio>
  /** Mono samples [startFrame, startFrame + frames). */
  audioRange(id: string, startFrame: number, frames: number): Promise<AudioRange>
  /** min/max per bucket over [startFrame, endFrame) at the coarsest level still giving each of `columns` columns a bucket. */
  peaks(id: string, request: { startFrame: number; endFrame?: number; columns: number }): Promise<SessionPeaks>
  /** Stops what the library runs in the background (its audio worker). */
  dispose?(): Promise<void>
  edit(id: string, edit: AnnotationEdit): Promise<SessionDetail>
  /** Notes, patient and site of a session; empty patient fields are removed. */
  update(id: string, changes: SessionChanges): Promise<SessionDetail>
  /** Adds markers to a just-finished recording (the live "mark" button). */
  addMarkers(id: string, markers: ReadonlyArray<{ timeS: number; label: string }>): Promise<void>
  exportSession(id: string, format: 'folder' | 'zip'): Promise<{ path: string; files: string[] }>
  /** Session folders the library cannot show normally (unreadable, unfinished), with the reason. */
  problems(): Promise<SessionProblemInfo[]>
  /** Repairs one problem folder (named by its key); throws the failure (read-only, bad header…) as it is. */
  repair(key: string): Promise<SessionRepairResult>
  /** Copies a problem folder's files unchanged into a new export run folder (the way out when repair cannot help). */
  exportRaw(key: string): Promise<{ path: string; files: string[] }>
  /** What start-up repair did, so failures reach the library instead of stderr alone. */
  noteRepairResults(results: readonly RepairResult[]): void
  /** Detected S1/S2 and HR of a session (the waveform's lanes). */
  beats(id: string): Promise<SessionBeatsPayload>
  /** One chunk of a WAV import; the last answers the new session. */
  importWav(request: ApiRequest<'sessions:importWav'>): Promise<SessionSummary | null>
  importAnnotations(request: ApiRequest<'sessions:importAnnotations'>): Promise<AnnotationImportResult>
  exportFile(id: string, kind: ExportKind): Promise<ExportFile>
  saveAs(id: string, kind: ExportKind): Promise<{ path: string | null }>
  showInFolder(path: string): Promise<{ ok: boolean }>
}

/** A message about a file in session folder `dir`, with the folder's absolute path taken out. */
function withinFolder(dir: string, message: string): string {
  return message.split(`${dir}${sep}`).join('').split(dir).join(basename(dir))
}

export function summaryOf(meta: SessionMeta, doc: AnnotationDoc): SessionSummary {
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
    visitId: meta.visitId ?? null,
  }
}

export class FsSessionLibrary implements SessionLibraryPort {
  private readonly editors = new Map<string, AnnotationEditor>()
  /** The last repair failure per session folder (start-up or on request), until a repair succeeds. */
  private readonly repairFailures = new Map<string, Error>()
  private readonly exchange: SessionExchange
  /**
   * `dataDir` is read on every call: the data folder can change in Settings. `host`: what the
   * Electron app offers (save dialog, file manager, printing); plain Node prints with a Chromium
   * found on the machine.
   */
  constructor(
    private readonly dataDir: () => string,
    host: ExportHost = {},
  ) {
    let printer: ExportHost['printPdf'] | null | undefined = host.printPdf
    const resolved = (): ExportHost => {
      if (printer === undefined) printer = nodePdfPrinter()
      return printer === null ? host : { ...host, printPdf: printer }
    }
    this.exchange = new SessionExchange(
      () => this.library(),
      resolved,
      (id, maxFrames) => this.audioReader.beats(this.dataDir(), id, maxFrames),
    )
  }
  /**
   * Audio, peaks and overviews are read on a worker thread: an hours-long session must never
   * hold up the main thread, which carries the capture → recorder path and the live events.
   */
  private readonly audioReader = new SessionAudioClient()

  private library(): SessionLibrary {
    return new SessionLibrary(this.dataDir())
  }

  private editor(id: string): AnnotationEditor {
    const { dir } = this.library().get(id)
    const key = dir
    let editor = this.editors.get(key)
    if (!editor) this.editors.set(key, (editor = AnnotationEditor.open(dir)))
    return editor
  }

  private detail(id: string): SessionDetail {
    const { meta } = this.library().get(id)
    const editor = this.editor(id)
    return {
      summary: summaryOf(meta, editor.doc),
      annotations: editor.doc.items as ApiAnnotation[],
      canUndo: editor.canUndo,
      canRedo: editor.canRedo,
    }
  }

  async list(text?: string): Promise<SessionSummary[]> {
    return this.library()
      .search(text ? { text } : {})
      .map(({ meta, dir }) => summaryOf(meta, this.editors.get(dir)?.doc ?? readAnnotations(dir)))
  }

  async get(id: string): Promise<SessionDetail> {
    return this.detail(id)
  }

  async audio(id: string): Promise<SessionAudio> {
    return this.audioReader.whole(this.dataDir(), id, MAX_WHOLE_AUDIO_FRAMES)
  }

  async audioRange(id: string, startFrame: number, frames: number): Promise<AudioRange> {
    return this.audioReader.range(this.dataDir(), id, startFrame, frames)
  }

  async peaks(id: string, request: { startFrame: number; endFrame?: number; columns: number }): Promise<SessionPeaks> {
    return this.audioReader.peaks(this.dataDir(), id, request)
  }

  /** Resolves once overviews being saved in the background are on disk (tests, the bench). */
  async overviewsSettled(): Promise<void> {
    await this.audioReader.settled()
  }

  async dispose(): Promise<void> {
    await this.audioReader.close()
  }

  private opFor(
    doc: AnnotationDoc,
    edit: Exclude<AnnotationEdit, { type: 'undo' } | { type: 'redo' } | { type: 'addMarker' } | { type: 'addSpan' }>,
  ): AnnotationOp {
    if (edit.type === 'remove') return { type: 'remove', id: edit.id }
    const item = doc.items.find((i) => i.id === edit.id)
    if (!item) throw new InvalidArgumentError(`annotation ${edit.id}: no such annotation`)
    if (edit.type === 'update') {
      const label = edit.label?.trim()
      const changes = { ...(label === undefined ? {} : { label }), ...(edit.note === undefined ? {} : { note: edit.note }) }
      // A span's kind follows its label (S1, murmur, rub…; any other text: custom), so CirCor and the colours agree with it.
      if (item.kind === 'span' && label !== undefined)
        return { type: 'update', id: edit.id, changes: { ...changes, spanKind: spanKindForLabel(label) } }
      return { type: 'update', id: edit.id, changes }
    }
    if (item.kind === 'marker') return { type: 'update', id: edit.id, changes: { timeS: edit.timeS ?? edit.startS ?? item.timeS } }
    // Moving the start alone keeps the span's length; setting an end alone resizes it.
    const startS = edit.startS ?? item.startS
    const endS = edit.endS ?? (edit.startS !== undefined ? edit.startS + (item.endS - item.startS) : item.endS)
    return { type: 'update', id: edit.id, changes: { startS: Math.min(startS, endS), endS: Math.max(startS, endS) } }
  }

  async edit(id: string, edit: AnnotationEdit): Promise<SessionDetail> {
    const editor = this.editor(id)
    switch (edit.type) {
      case 'undo':
        editor.undo()
        break
      case 'redo':
        editor.redo()
        break
      case 'addMarker':
        editor.addMarker(edit.timeS, edit.label, edit.note)
        break
      case 'addSpan':
        editor.addSpan(
          edit.spanKind,
          Math.min(edit.startS, edit.endS),
          Math.max(edit.startS, edit.endS),
          edit.label || edit.spanKind,
          edit.note,
        )
        break
      default:
        editor.apply(this.opFor(editor.doc, edit))
    }
    return this.detail(id)
  }

  async update(id: string, changes: SessionChanges): Promise<SessionDetail> {
    const library = this.library()
    const { meta } = library.get(id)
    const patient = { ...meta.patient }
    if (changes.patientId !== undefined) {
      if (changes.patientId.trim()) patient.id = changes.patientId.trim()
      else delete patient.id
    }
    if (changes.patientName !== undefined) {
      if (changes.patientName.trim()) patient.name = changes.patientName.trim()
      else delete patient.name
    }
    library.updateMeta(id, {
      patient,
      ...(changes.notes === undefined ? {} : { notes: changes.notes }),
      ...(changes.location === undefined ? {} : { location: changes.location }),
    })
    return this.detail(id)
  }

  async addMarkers(id: string, markers: ReadonlyArray<{ timeS: number; label: string }>): Promise<void> {
    const editor = this.editor(id)
    for (const marker of markers) editor.addMarker(marker.timeS, marker.label)
  }

  async exportSession(id: string, format: 'folder' | 'zip'): Promise<{ path: string; files: string[] }> {
    // One folder per export run (exporting again never collides with the last one), created only
    // once the session has been read and the export written.
    // A session whose audio cannot be read fails below with the reader's own typed error, not the worker's copy.
    const beats = await this.exchange.beats(id).catch(() => undefined)
    const pdf = beats ? await this.exchange.tryPdf(id, beats).catch(() => undefined) : undefined
    const result = exportSessionRun(this.library(), id, join(this.dataDir(), 'exports'), format, new Date(), {
      ...(beats ? { beats } : {}),
      ...(pdf ? { pdf } : {}),
    })
    return { path: result.path, files: result.files }
  }

  async beats(id: string): Promise<SessionBeatsPayload> {
    return this.exchange.beats(id)
  }

  async importWav(request: ApiRequest<'sessions:importWav'>): Promise<SessionSummary | null> {
    const meta = this.exchange.importWavChunk(this.dataDir(), request)
    return meta === null ? null : summaryOf(meta, { schemaVersion: 1, items: [] })
  }

  async importAnnotations(request: ApiRequest<'sessions:importAnnotations'>): Promise<AnnotationImportResult> {
    const editor = this.editor(request.id)
    let imported: number
    let warnings: string[]
    if (request.format === 'circor') {
      ;({ imported, warnings } = editor.importCircorTsv(request.text, request.fileName))
    } else {
      const parsed = parseAudacityLabels(request.text, request.fileName)
      // Fresh ids after the document's own, one undo step for the whole file.
      const first = Number(/\d+$/.exec(nextId(editor.doc))?.[0] ?? 1)
      const items = parsed.items.map((item, i) => ({ ...item, id: `a${first + i}` }))
      editor.apply({ type: 'replaceSpans', kinds: [], items })
      imported = items.length
      warnings = parsed.warnings
    }
    return { imported, warnings, detail: this.detail(request.id) }
  }

  async exportFile(id: string, kind: ExportKind): Promise<ExportFile> {
    return toExportFile(await this.exchange.exportFile(id, kind))
  }

  async saveAs(id: string, kind: ExportKind): Promise<{ path: string | null }> {
    return { path: await this.exchange.saveAs(id, kind) }
  }

  async showInFolder(path: string): Promise<{ ok: boolean }> {
    return { ok: this.exchange.showInFolder(path) }
  }

  noteRepairResults(results: readonly RepairResult[]): void {
    for (const result of results) {
      if (result.outcome === 'failed' && result.error) this.repairFailures.set(result.dir, result.error)
      else this.repairFailures.delete(result.dir)
    }
  }

  private problemInfo(problem: SessionProblem): SessionProblemInfo {
    const reason = withinFolder(problem.dir, problem.error.message)
    const failure = this.repairFailures.get(problem.dir)
    const lastRepairError = failure === undefined ? null : withinFolder(problem.dir, failure.message)
    let audioBytes: number | null = null
    try {
      audioBytes = statSync(join(problem.dir, SESSION_FILES.audio)).size
    } catch {
      // no audio.wav (or unreadable): nothing to rescue but the other files
    }
    return {
      key: problem.key,
      folder: basename(problem.dir),
      kind: problem.kind,
      reason,
      startedAt: problem.meta?.startedAt ?? null,
      location: problem.meta?.location ?? null,
      patientId: problem.meta?.patient.id ?? null,
      audioBytes,
      // Unfinished: recompute the sizes. Unreadable: rebuild session.json from the audio, keeping the bad file.
      canRepair: problem.kind === 'unfinished' || audioBytes !== null,
      lastRepairError: lastRepairError === reason ? null : lastRepairError,
    }
  }

  async problems(): Promise<SessionProblemInfo[]> {
    return this.library()
      .list()
      .problems.map((p) => this.problemInfo(p))
  }

  async repair(key: string): Promise<SessionRepairResult> {
    const library = this.library()
    const problem = library.problem(key)
    const result = repairSessionDir(problem.dir, { rebuildUnreadableMeta: problem.kind === 'unreadable' })
    if (result?.outcome === 'skipped-live')
      throw new InvalidArgumentError('the session is being recorded right now; stop that recording first')
    if (result?.outcome === 'failed') {
      const error = result.error ?? new Error('repair failed')
      this.repairFailures.set(problem.dir, error)
      throw error
    }
    if (result === null) {
      throw new InvalidArgumentError(
        `${withinFolder(problem.dir, problem.error.message)}: repair cannot change this; export the raw files instead`,
      )
    }
    this.repairFailures.delete(problem.dir)
    const session = library.list().sessions.find((s) => s.dir === problem.dir)
    return {
      key,
      actions: result.actions.map((action) => withinFolder(problem.dir, action)),
      // null when the folder is still not a clean session (e.g. a rebuilt id that differs from its folder name)
      session: session ? summaryOf(session.meta, this.editors.get(session.dir)?.doc ?? readAnnotations(session.dir)) : null,
    }
  }

  async exportRaw(key: string): Promise<{ path: string; files: string[] }> {
    const problem = this.library().problem(key)
    const reason = withinFolder(problem.dir, problem.error.message)
    const result = exportRawSessionRun(problem.dir, reason, join(this.dataDir(), 'exports'))
    return { path: result.path, files: result.files }
  }
}
