import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import {
  MAX_UNDO_DEPTH,
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
  type Span,
} from '../../../src/core/sessions/annotations'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'

const s1: Span = { kind: 'span', id: 'a1', spanKind: 'S1', startS: 1, endS: 1.1, label: 'S1', note: '' }

describe('annotation edits', () => {
  it('adds, updates and removes, keeping items in time order', () => {
    let doc = applyAnnotationOp(emptyAnnotationDoc(), { type: 'add', item: s1 })
    doc = applyAnnotationOp(doc, { type: 'add', item: { kind: 'marker', id: 'a2', timeS: 0.5, label: 'start', note: 'patient calm' } })
    expect(doc.items.map((i) => i.id)).toEqual(['a2', 'a1'])
    doc = applyAnnotationOp(doc, { type: 'update', id: 'a2', changes: { timeS: 2 } })
    expect(doc.items.map((i) => i.id)).toEqual(['a1', 'a2'])
    doc = applyAnnotationOp(doc, { type: 'remove', id: 'a1' })
    expect(doc.items.map((i) => i.id)).toEqual(['a2'])
    expect(nextAnnotationId(doc)).toBe('a3')
  })

  it('rejects impossible edits naming the annotation and field', () => {
    const doc = applyAnnotationOp(emptyAnnotationDoc(), { type: 'add', item: s1 })
    expect(() => applyAnnotationOp(doc, { type: 'update', id: 'a1', changes: { endS: 0.5 } })).toThrow(/annotation a1: field "endS"/)
    expect(() => applyAnnotationOp(doc, { type: 'add', item: s1 })).toThrow(InvalidArgumentError)
    expect(() => applyAnnotationOp(doc, { type: 'remove', id: 'zz' })).toThrow(/zz: no such annotation/)
    expect(() => applyAnnotationOp(doc, { type: 'add', item: { ...s1, id: 'a9', startS: -1 } })).toThrow(/startS/)
  })

  it('replaceSpans swaps only the given kinds', () => {
    let doc = applyAnnotationOp(emptyAnnotationDoc(), { type: 'add', item: s1 })
    doc = applyAnnotationOp(doc, { type: 'add', item: { ...s1, id: 'a2', spanKind: 'murmur', label: 'murmur' } })
    doc = applyAnnotationOp(doc, { type: 'replaceSpans', kinds: ['S1', 'S2'], items: [{ ...s1, id: 'b1', startS: 3, endS: 3.1 }] })
    expect(doc.items.map((i) => i.id)).toEqual(['a2', 'b1'])
  })
})

describe('undo stack', () => {
  it('undoes and redoes edits in order, and a new edit clears redo', () => {
    let h = startHistory(emptyAnnotationDoc())
    expect(canUndo(h)).toBe(false)
    h = editHistory(h, { type: 'add', item: s1 })
    h = editHistory(h, { type: 'update', id: 'a1', changes: { note: 'loud' } })
    h = undoHistory(h)
    expect(h.present.items[0]).toMatchObject({ note: '' })
    h = undoHistory(h)
    expect(h.present.items).toEqual([])
    expect(() => undoHistory(h)).toThrow(/nothing to undo/)
    h = redoHistory(h)
    expect(h.present.items).toHaveLength(1)
    expect(canRedo(h)).toBe(true)
    h = editHistory(h, { type: 'remove', id: 'a1' })
    expect(canRedo(h)).toBe(false)
  })

  it('a failing edit leaves the history untouched', () => {
    const h = editHistory(startHistory(emptyAnnotationDoc()), { type: 'add', item: s1 })
    expect(() => editHistory(h, { type: 'remove', id: 'nope' })).toThrow(InvalidArgumentError)
    expect(h.present.items).toHaveLength(1)
    expect(h.past).toHaveLength(1)
  })

  it(`keeps at most ${MAX_UNDO_DEPTH} steps`, () => {
    let h = startHistory(emptyAnnotationDoc())
    // 10 more edits than the depth, so the oldest 10 states must have been dropped.
    for (let i = 0; i < MAX_UNDO_DEPTH + 10; i++) {
      h = editHistory(h, { type: 'add', item: { kind: 'marker', id: `m${i}`, timeS: i, label: '', note: '' } })
    }
    expect(h.past).toHaveLength(MAX_UNDO_DEPTH)
    expect(h.past[0]?.items).toHaveLength(10)
  })
})

describe('annotations.json', () => {
  it('round-trips and rejects hand edits with file and field', () => {
    const doc = applyAnnotationOp(emptyAnnotationDoc(), { type: 'add', item: s1 })
    expect(parseAnnotationDoc(formatAnnotationDoc(doc), 'annotations.json')).toEqual(doc)
    const broken = formatAnnotationDoc(doc).replace('"endS": 1.1', '"endS": "soon"')
    expect(() => parseAnnotationDoc(broken, 'x/annotations.json')).toThrow(CorruptSessionError)
    expect(() => parseAnnotationDoc(broken, 'x/annotations.json')).toThrow(/x\/annotations.json: field "items.0/)
    expect(() => parseAnnotationDoc('{', 'a.json')).toThrow(/a.json: not valid JSON/)
    const dup = JSON.stringify({ schemaVersion: 1, items: [s1, s1] })
    expect(() => parseAnnotationDoc(dup, 'a.json')).toThrow(/items.1.id.*duplicate id "a1"/)
  })
})
