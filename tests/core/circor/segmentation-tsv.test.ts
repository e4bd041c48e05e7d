import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { InvalidArgumentError } from '../../../src/core/errors'

const SAMPLES = join(__dirname, '../../../samples')

describe('parseSegmentationTsv', () => {
  it('reads a real CirCor file: every row, sorted, no problems', () => {
    const text = readFileSync(join(SAMPLES, '68303_AV.tsv'), 'utf8')
    const parsed = parseSegmentationTsv(text, '68303_AV.tsv')
    const nonBlankLines = text.split('\n').filter((line) => line.trim() !== '').length
    expect(parsed.problems).toEqual([])
    expect(parsed.rows.length).toBe(nonBlankLines)
    for (let i = 1; i < parsed.rows.length; i++) expect(parsed.rows[i]!.startS).toBeGreaterThanOrEqual(parsed.rows[i - 1]!.startS)
    expect(parsed.rows[0]).toMatchObject({ startS: 0, label: 0, line: 1 })
  })

  it('accepts bytes as well as text', () => {
    const bytes = readFileSync(join(SAMPLES, '84749_TV.tsv'))
    const fromBytes = parseSegmentationTsv(new Uint8Array(bytes), '84749_TV.tsv')
    const fromText = parseSegmentationTsv(bytes.toString('utf8'), '84749_TV.tsv')
    expect(fromBytes).toEqual(fromText)
  })

  it('reports malformed rows with line, text and reason, and keeps them as label 0', () => {
    // Row 3 reproduces the release defect of 50782_MV_1.tsv (label 28).
    const text = [
      '0\t1.0\t0',
      '1.0\t1.1\t1',
      '1.1\t1.3\t28',
      '1.3\tabc\t3',
      '1.5\t1.4\t4',
      '1.6\t1.7',
      '',
      '1.7\t1.8\t2.5',
      'x\ty\tz',
      '1.8\t1.9\t1',
    ].join('\n')
    const parsed = parseSegmentationTsv(text, 'bad.tsv')
    expect(parsed.problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 8, 9])
    expect(parsed.problems[0]).toEqual({ line: 3, text: '1.1\t1.3\t28', reason: 'bad.tsv:3: label 28 outside 0–4' })
    expect(parsed.problems[1]!.reason).toContain("end_s 'abc' is not a number")
    expect(parsed.problems[2]!.reason).toContain('end_s 1.4 < start_s 1.5')
    expect(parsed.problems[3]!.reason).toContain('2 columns')
    expect(parsed.problems[4]!.reason).toContain('label 2.5 outside 0–4')
    const byLine = new Map(parsed.rows.map((row) => [row.line, row]))
    expect(byLine.get(3)).toEqual({ startS: 1.1, endS: 1.1, label: 0, line: 3 })
    // Line 9 has no readable start: it stays where it appears, at the previous readable start.
    expect(byLine.get(9)).toEqual({ startS: 1.7, endS: 1.7, label: 0, line: 9 })
    expect(byLine.get(10)).toEqual({ startS: 1.8, endS: 1.9, label: 1, line: 10 })
    expect(parsed.rows.length).toBe(9)
  })

  it('sorts rows by start, keeping file order for equal starts', () => {
    const parsed = parseSegmentationTsv('2\t3\t3\n0\t1\t1\n1\t2\t2\n1\t1.5\t4\r\n', 'unsorted.tsv')
    expect(parsed.rows.map((row) => row.line)).toEqual([2, 3, 4, 1])
    expect(parsed.problems).toEqual([])
  })

  it('never throws on content, only on input that is not text', () => {
    expect(parseSegmentationTsv('', 'empty.tsv')).toEqual({ rows: [], problems: [] })
    expect(parseSegmentationTsv('\u0000\u0001garbage\n\t\t\n', 'junk.tsv').problems.length).toBe(1)
    expect(() => parseSegmentationTsv(42 as unknown as string, 'num.tsv')).toThrow(InvalidArgumentError)
  })
})
