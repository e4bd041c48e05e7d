/**
 * Annotation editing on disk: every edit (and every undo/redo) replaces annotations.json
 * atomically before the in-memory state moves on, so a failed write (disk full, read-only) leaves
 * both the file and the editor at the previous state. The undo stack lives for the editing
 * session (in memory), like an editor's.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
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
  type Marker,
  type Span,
  type SpanKind,
} from '../../core/sessions/annotations'
import { CIRCOR_SPAN_KINDS, exportCircorTsv, importCircorTsv, type CircorTsvExport } from '../../core/sessions/circor-tsv'
import { writeFileAtomic } from './atomic-write'
import { SESSION_FILES } from './data-dir'
import { withStorageErrors } from './fs-errors'

export function readAnnotations(sessionDir: string): AnnotationDoc {
  const path = join(sessionDir, SESSION_FILES.annotations)
  if (!existsSync(path)) return emptyAnnotationDoc()
  return parseAnnotationDoc(
    withStorageErrors(path, 'reading', () => readFileSync(path, 'utf8')),
    path,
  )
}

export class AnnotationEditor {
  readonly path: string
  private history: AnnotationHistory

  private constructor(path: string, doc: AnnotationDoc) {
    this.path = path
    this.history = startHistory(doc)
  }

  static open(sessionDir: string): AnnotationEditor {
    return new AnnotationEditor(join(sessionDir, SESSION_FILES.annotations), readAnnotations(sessionDir))
  }

  get doc(): AnnotationDoc {
    return this.history.present
  }

  get canUndo(): boolean {
    return canUndo(this.history)
  }

  get canRedo(): boolean {
    return canRedo(this.history)
  }

  /** Persists `next` first; only then does the editor adopt it. */
  private commit(next: AnnotationHistory): AnnotationDoc {
    writeFileAtomic(this.path, formatAnnotationDoc(next.present))
    this.history = next
    return next.present
  }

  apply(op: AnnotationOp): AnnotationDoc {
    return this.commit(editHistory(this.history, op))
  }

  addMarker(timeS: number, label: string, note = ''): Marker {
    const item: Marker = { kind: 'marker', id: nextAnnotationId(this.doc), timeS, label, note }
    this.apply({ type: 'add', item })
    return item
  }

  addSpan(spanKind: SpanKind, startS: number, endS: number, label: string = spanKind, note = ''): Span {
    const item: Span = { kind: 'span', id: nextAnnotationId(this.doc), spanKind, startS, endS, label, note }
    this.apply({ type: 'add', item })
    return item
  }

  undo(): AnnotationDoc {
    return this.commit(undoHistory(this.history))
  }

  redo(): AnnotationDoc {
    return this.commit(redoHistory(this.history))
  }

  /**
   * Imports a CirCor .tsv: its S1/systole/S2/diastole spans replace the existing spans of those
   * kinds (markers, murmur, noise and custom spans are kept); one undo step.
   */
  importCircorTsv(text: string, file: string): { imported: number; warnings: string[] } {
    // Ids t<generation>_<n>: a fresh generation per import, so they never clash with kept items.
    let generation = 0
    for (const item of this.doc.items) {
      const match = /^t(\d+)_\d+$/.exec(item.id)
      if (match) generation = Math.max(generation, Number(match[1]))
    }
    const prefix = `t${generation + 1}_`
    const parsed = importCircorTsv(text, file, prefix)
    this.apply({ type: 'replaceSpans', kinds: CIRCOR_SPAN_KINDS, items: parsed.spans })
    return { imported: parsed.spans.length, warnings: parsed.warnings }
  }

  exportCircorTsv(durationS?: number): CircorTsvExport {
    return exportCircorTsv(this.doc, durationS)
  }
}
