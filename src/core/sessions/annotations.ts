/**
 * Annotation model of a session — markers (an instant with a label and note) and spans (an
 * interval of a kind) — as immutable data plus pure edit operations and a snapshot undo stack.
 * The fs adapter (src/main/sessions/annotation-store.ts) persists `present` atomically after each
 * edit; keeping the logic here makes every edit and undo testable without a disk.
 */
import { z } from 'zod'
import { InvalidArgumentError } from '../errors'
import { CorruptSessionError, corruptSession } from './session-errors'
import { parseJsonWith, validateWith } from '../zod-issue'

export const SPAN_KINDS = ['S1', 'S2', 'systole', 'diastole', 'murmur', 'noise', 'click', 'S3', 'S4', 'rub', 'custom'] as const
export type SpanKind = (typeof SPAN_KINDS)[number]

/**
 * The labels a cardiologist picks from (S3/S4 are the gallop sounds); any other text is a free
 * label. A span labelled with one of them has that kind; any other label makes it `custom`.
 */
export const STANDARD_LABELS = ['S1', 'S2', 'systole', 'diastole', 'murmur', 'click', 'S3', 'S4', 'rub', 'noise'] as const
export type StandardLabel = (typeof STANDARD_LABELS)[number]

/** How a person reads each standard label (the select's text). */
export const STANDARD_LABEL_TEXT: Readonly<Record<StandardLabel, string>> = {
  S1: 'S1',
  S2: 'S2',
  systole: 'Systole',
  diastole: 'Diastole',
  murmur: 'Murmur',
  click: 'Click',
  S3: 'Gallop S3',
  S4: 'Gallop S4',
  rub: 'Rub',
  noise: 'Noise',
}

/** The span kind a label implies: the label itself when it is a standard one, else `custom`. */
export function spanKindForLabel(label: string): SpanKind {
  return (STANDARD_LABELS as readonly string[]).includes(label) ? (label as SpanKind) : 'custom'
}

export const ANNOTATIONS_SCHEMA_VERSION = 1

/** A time in the recording, seconds. */
export const annotationTimeSchema = z
  .number()
  .refine(Number.isFinite, 'must be finite')
  .refine((v) => v >= 0, 'must be ≥ 0')
export const annotationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)
export const spanKindSchema = z.enum(SPAN_KINDS)
export const annotationLabelSchema = z.string().max(256)
/** A note as the editor accepts it (stored notes are read whatever their length). */
export const annotationNoteSchema = z.string().max(4000)

const markerSchema = z.object({
  kind: z.literal('marker'),
  id: annotationIdSchema,
  timeS: annotationTimeSchema,
  label: annotationLabelSchema,
  note: z.string(),
})
const spanSchema = z
  .object({
    kind: z.literal('span'),
    id: annotationIdSchema,
    spanKind: spanKindSchema,
    startS: annotationTimeSchema,
    endS: annotationTimeSchema,
    /** Free label; for `custom` spans it is the user's name for the kind. */
    label: annotationLabelSchema,
    note: z.string(),
  })
  .refine((s) => s.endS >= s.startS, { message: 'endS must be ≥ startS', path: ['endS'] })

export const annotationSchema = z.discriminatedUnion('kind', [markerSchema, spanSchema])
export const annotationDocSchema = z.object({
  schemaVersion: z.literal(ANNOTATIONS_SCHEMA_VERSION),
  items: z.array(annotationSchema),
})

export type Marker = z.infer<typeof markerSchema>
export type Span = z.infer<typeof spanSchema>
export type Annotation = Marker | Span
export type AnnotationDoc = { schemaVersion: typeof ANNOTATIONS_SCHEMA_VERSION; items: Annotation[] }

export function emptyAnnotationDoc(): AnnotationDoc {
  return { schemaVersion: ANNOTATIONS_SCHEMA_VERSION, items: [] }
}

export function annotationStartS(a: Annotation): number {
  return a.kind === 'marker' ? a.timeS : a.startS
}

/** Items in time order (ties by id) so files diff cleanly and exports are stable. */
function sortItems(items: readonly Annotation[]): Annotation[] {
  return [...items].sort((a, b) => annotationStartS(a) - annotationStartS(b) || a.id.localeCompare(b.id))
}

export function parseAnnotationDoc(text: string, file: string): AnnotationDoc {
  const doc = parseJsonWith(annotationDocSchema, text, corruptSession(file))
  const ids = new Set<string>()
  for (const [i, item] of doc.items.entries()) {
    if (ids.has(item.id)) throw new CorruptSessionError(file, `items.${i}.id`, `duplicate id "${item.id}"`)
    ids.add(item.id)
  }
  return { schemaVersion: ANNOTATIONS_SCHEMA_VERSION, items: sortItems(doc.items) }
}

export function formatAnnotationDoc(doc: AnnotationDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** A fresh id not used in `doc` ("a1", "a2", …): deterministic, so tests and undo are predictable. */
export function nextAnnotationId(doc: AnnotationDoc, prefix = 'a'): string {
  let max = 0
  for (const item of doc.items) {
    const match = new RegExp(`^${prefix}(\\d+)$`).exec(item.id)
    if (match) max = Math.max(max, Number(match[1]))
  }
  return `${prefix}${max + 1}`
}

export type AnnotationChanges = Partial<Omit<Marker, 'kind' | 'id'>> | Partial<Omit<Span, 'kind' | 'id'>>

export type AnnotationOp =
  | { type: 'add'; item: Annotation }
  | { type: 'update'; id: string; changes: AnnotationChanges }
  | { type: 'remove'; id: string }
  /** Replace every span of the given kinds (e.g. a CirCor import replaces S1/S2/systole/diastole). */
  | { type: 'replaceSpans'; kinds: readonly SpanKind[]; items: readonly Annotation[] }

function checkItem(item: Annotation): Annotation {
  return validateWith(annotationSchema, item, ({ field, detail }) => {
    throw new InvalidArgumentError(`annotation ${item.id}: field "${field ?? '(item)'}": ${detail}`)
  })
}

/** Applies one edit, returning a new document; throws InvalidArgumentError on an impossible edit. */
export function applyAnnotationOp(doc: AnnotationDoc, op: AnnotationOp): AnnotationDoc {
  switch (op.type) {
    case 'add': {
      if (doc.items.some((i) => i.id === op.item.id)) {
        throw new InvalidArgumentError(`annotation ${op.item.id}: id already exists`)
      }
      return { ...doc, items: sortItems([...doc.items, checkItem(op.item)]) }
    }
    case 'update': {
      const index = doc.items.findIndex((i) => i.id === op.id)
      if (index < 0) throw new InvalidArgumentError(`annotation ${op.id}: no such annotation`)
      const current = doc.items[index] as Annotation
      const updated = checkItem({ ...current, ...op.changes, kind: current.kind, id: current.id } as Annotation)
      const items = [...doc.items]
      items[index] = updated
      return { ...doc, items: sortItems(items) }
    }
    case 'remove': {
      if (!doc.items.some((i) => i.id === op.id)) throw new InvalidArgumentError(`annotation ${op.id}: no such annotation`)
      return { ...doc, items: doc.items.filter((i) => i.id !== op.id) }
    }
    case 'replaceSpans': {
      const kept = doc.items.filter((i) => !(i.kind === 'span' && op.kinds.includes(i.spanKind)))
      const keptIds = new Set(kept.map((i) => i.id))
      for (const item of op.items) {
        if (keptIds.has(item.id)) throw new InvalidArgumentError(`annotation ${item.id}: id already exists`)
        keptIds.add(item.id)
      }
      return { ...doc, items: sortItems([...kept, ...op.items.map(checkItem)]) }
    }
  }
}

/** Snapshot undo stack: documents are small (thousands of items at most), so whole copies are cheap and obviously correct. */
export interface AnnotationHistory {
  past: AnnotationDoc[]
  present: AnnotationDoc
  future: AnnotationDoc[]
}

/** Undo depth kept in memory; beyond it the oldest states are forgotten. */
export const MAX_UNDO_DEPTH = 200

export function startHistory(doc: AnnotationDoc): AnnotationHistory {
  return { past: [], present: doc, future: [] }
}

export function editHistory(history: AnnotationHistory, op: AnnotationOp): AnnotationHistory {
  const present = applyAnnotationOp(history.present, op)
  const past = [...history.past, history.present].slice(-MAX_UNDO_DEPTH)
  return { past, present, future: [] }
}

export function canUndo(history: AnnotationHistory): boolean {
  return history.past.length > 0
}

export function canRedo(history: AnnotationHistory): boolean {
  return history.future.length > 0
}

export function undoHistory(history: AnnotationHistory): AnnotationHistory {
  const previous = history.past[history.past.length - 1]
  if (previous === undefined) throw new InvalidArgumentError('annotations: nothing to undo')
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] }
}

export function redoHistory(history: AnnotationHistory): AnnotationHistory {
  const next = history.future[0]
  if (next === undefined) throw new InvalidArgumentError('annotations: nothing to redo')
  return { past: [...history.past, history.present], present: next, future: history.future.slice(1) }
}
