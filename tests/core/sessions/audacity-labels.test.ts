import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { STANDARD_LABELS, type Annotation, type AnnotationDoc } from '../../../src/core/sessions/annotations'
import { formatAudacityLabels, parseAudacityLabels } from '../../../src/core/sessions/audacity-labels'
import { exportCircorTsv, importCircorTsv } from '../../../src/core/sessions/circor-tsv'

const ROOT = join(__dirname, '../../..')

/** Everything but the id: what a round trip through a format without ids must keep. */
function withoutIds(items: readonly Annotation[]): unknown[] {
  return items.map(({ id: _id, ...rest }) => rest)
}

const doc: AnnotationDoc = {
  schemaVersion: 1,
  items: [
    { kind: 'marker', id: 'a1', timeS: 0.5, label: 'mark', note: '' },
    { kind: 'span', id: 'a2', spanKind: 'S1', startS: 1.0, endS: 1.12, label: 'S1', note: 'split?' },
    {
      kind: 'span',
      id: 'a3',
      spanKind: 'murmur',
      startS: 1.12,
      endS: 1.4,
      label: 'holosystolic, grade 2/6',
      note: 'loudest at apex\nradiates',
    },
    { kind: 'span', id: 'a4', spanKind: 'custom', startS: 2, endS: 2.5, label: 'cough # 2', note: 'tab\there, back\\slash' },
    { kind: 'marker', id: 'a5', timeS: 3.25, label: 'S3: maybe', note: ' leading space' },
    { kind: 'span', id: 'a6', spanKind: 'S4', startS: 4, endS: 4, label: 'S4', note: '' },
    { kind: 'marker', id: 'a7', timeS: 5, label: 'marker: odd', note: '#' },
    { kind: 'span', id: 'a8', spanKind: 'noise', startS: 6, endS: 7.333333, label: 'rub', note: '' },
    { kind: 'marker', id: 'a9', timeS: 8, label: '', note: '' },
  ],
}

describe('Audacity label track', () => {
  it('round-trips every marker and span with its kind, label and note (our session → labels → our session)', () => {
    const text = formatAudacityLabels(doc)
    // One line per annotation, three tab-separated columns, as Audacity writes them.
    const lines = text.split('\n').slice(0, -1)
    expect(lines).toHaveLength(doc.items.length)
    for (const line of lines) expect(line.split('\t')).toHaveLength(3)
    const back = parseAudacityLabels(text, 'labels.txt')
    expect(back.warnings).toEqual([])
    expect(withoutIds(back.items)).toEqual(withoutIds(doc.items))
  })

  it('every standard label reads back as its own span kind', () => {
    const items: Annotation[] = STANDARD_LABELS.map((label, i) => ({
      kind: 'span',
      id: `s${i}`,
      spanKind: label,
      startS: i,
      endS: i + 0.5,
      label,
      note: '',
    }))
    const text = formatAudacityLabels({ schemaVersion: 1, items })
    expect(text).toContain('0.000000\t0.500000\tS1\n')
    expect(withoutIds(parseAudacityLabels(text, 'x').items)).toEqual(withoutIds(items))
  })

  it('reads a label file written by Audacity (point and region labels, spectral lines, CRLF) and reports bad lines', () => {
    const text = '1.000000\t1.000000\tclick\r\n\\\t100.0\t400.0\r\n2.5\t3.25\tmurmur\r\n4\t3\tbackwards\r\nabc\t5\tx\r\n6\t6.5\r\n'
    const parsed = parseAudacityLabels(text, 'audacity.txt')
    expect(parsed.items).toEqual([
      { kind: 'marker', id: 'l1', timeS: 1, label: 'click', note: '' },
      { kind: 'span', id: 'l2', spanKind: 'murmur', startS: 2.5, endS: 3.25, label: 'murmur', note: '' },
      { kind: 'span', id: 'l3', spanKind: 'custom', startS: 6, endS: 6.5, label: '', note: '' },
    ])
    expect(parsed.warnings).toEqual(['audacity.txt:4: end "3" is not a time ≥ start 4', 'audacity.txt:5: start "abc" is not a time ≥ 0'])
  })
})

describe('CirCor segmentation round trip', () => {
  it('our S1/systole/S2/diastole spans → .tsv → spans, nothing lost', () => {
    const spans = importCircorTsv(readFileSync(join(ROOT, 'samples/50238_MV.tsv'), 'utf8'), '50238_MV.tsv').spans
    expect(spans.length).toBeGreaterThan(40)
    const ours: AnnotationDoc = { schemaVersion: 1, items: spans }
    const text = exportCircorTsv(ours).text
    const back = importCircorTsv(text, 'round.tsv')
    expect(back.warnings).toEqual([])
    expect(withoutIds(back.spans)).toEqual(withoutIds(spans))
  })
})
