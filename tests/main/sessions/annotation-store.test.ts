import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAnnotationDoc } from '../../../src/core/sessions/annotations'
import { CorruptSessionError } from '../../../src/core/sessions/session-errors'
import { AnnotationEditor } from '../../../src/main/sessions/annotation-store'
import { CIRCOR_DIR, recordCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-annotations-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const { dir } = recordCircor(join(root, 'data'), '74420_MV')
const tsvText = readFileSync(join(CIRCOR_DIR, '74420_MV.tsv'), 'utf8')

function onDisk() {
  return parseAnnotationDoc(readFileSync(join(dir, 'annotations.json'), 'utf8'), 'annotations.json')
}

describe('AnnotationEditor', () => {
  it('imports the CirCor .tsv, edits, undoes and redoes — the file follows every step', () => {
    const editor = AnnotationEditor.open(dir)
    expect(editor.doc.items).toEqual([])

    const { imported, warnings } = editor.importCircorTsv(tsvText, '74420_MV.tsv')
    expect(warnings).toEqual([])
    // One span per labelled (1–4) row of the file.
    expect(imported).toBe(tsvText.split('\n').filter((l) => /\t[1-4]$/.test(l)).length)
    expect(onDisk()).toEqual(editor.doc)

    const murmur = editor.addSpan('murmur', 2.1, 2.4, 'murmur', 'holosystolic, grade II/VI')
    const marker = editor.addMarker(3.5, 'cough')
    expect(onDisk().items).toContainEqual(murmur)
    expect(onDisk().items).toContainEqual(marker)

    editor.undo()
    expect(onDisk().items).not.toContainEqual(marker)
    editor.undo()
    expect(onDisk().items).not.toContainEqual(murmur)
    editor.redo()
    expect(onDisk().items).toContainEqual(murmur)

    // A new session of the editor reads back exactly what was saved.
    expect(AnnotationEditor.open(dir).doc).toEqual(editor.doc)
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('re-importing replaces CirCor spans but keeps markers and murmur spans; export gives the file back', () => {
    const editor = AnnotationEditor.open(dir)
    const before = editor.doc.items.length
    editor.importCircorTsv(tsvText, '74420_MV.tsv')
    expect(editor.doc.items.length).toBe(before)
    expect(editor.doc.items.filter((i) => i.kind === 'span' && i.spanKind === 'murmur')).toHaveLength(1)
    const exported = editor.exportCircorTsv()
    expect(exported.omitted).toBe(1)
    const labelled = (t: string) => t.split('\n').filter((l) => /\t[1-4]$/.test(l))
    expect(labelled(exported.text)).toEqual(labelled(tsvText))
    editor.undo()
    expect(editor.doc.items.length).toBe(before)
  })

  it('a hand-broken annotations.json is reported with file and field and left as it is', () => {
    const path = join(dir, 'annotations.json')
    const good = readFileSync(path, 'utf8')
    const broken = good.replace('"spanKind": "murmur"', '"spanKind": "heartbeat"')
    writeFileSync(path, broken)
    try {
      expect(() => AnnotationEditor.open(dir)).toThrow(CorruptSessionError)
      expect(() => AnnotationEditor.open(dir)).toThrow(new RegExp(`${path}: field "items\\.\\d+\\.spanKind"`))
      expect(readFileSync(path, 'utf8')).toBe(broken)
    } finally {
      writeFileSync(path, good)
    }
  })

  it('a rejected edit changes neither memory nor file', () => {
    const editor = AnnotationEditor.open(dir)
    const file = readFileSync(join(dir, 'annotations.json'), 'utf8')
    expect(() => editor.addSpan('S1', 5, 4)).toThrow(/endS/)
    expect(readFileSync(join(dir, 'annotations.json'), 'utf8')).toBe(file)
    expect(editor.canUndo).toBe(false)
  })
})
