import { describe, expect, it } from 'vitest'
import { annotatedRuns, s1OnsetsS } from '../../../src/core/circor/annotated-runs'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'

const rowsOf = (text: string) => parseSegmentationTsv(text, 'test.tsv').rows

describe('annotatedRuns', () => {
  it('joins consecutive and overlapping rows, splits on label 0', () => {
    const runs = annotatedRuns(rowsOf('0\t1\t0\n1\t1.1\t1\n1.09\t1.4\t2\n1.4\t1.5\t3\n1.5\t2\t0\n2\t2.1\t1\n2.1\t2.5\t2\n'))
    expect(runs.map((run) => [run.startS, run.endS, run.rows.length])).toEqual([
      [1, 1.5, 3],
      [2, 2.5, 2],
    ])
    expect(s1OnsetsS(runs[0]!)).toEqual([1])
  })

  it('splits on a gap above 10 ms and keeps a gap of exactly 10 ms', () => {
    // 1.110 − 1.100 is 10 ms (within float rounding): joined; 1.5211 − 1.5100 is 11.1 ms: split.
    const runs = annotatedRuns(rowsOf('1\t1.1\t1\n1.11\t1.51\t2\n1.5211\t1.6\t3\n'))
    expect(runs.map((run) => run.rows.length)).toEqual([2, 1])
  })

  it('splits at a malformed row (label 28), which counts as label 0', () => {
    const runs = annotatedRuns(rowsOf('1\t1.1\t1\n1.1\t1.2\t28\n1.2\t1.3\t3\n'))
    expect(runs.map((run) => run.startS)).toEqual([1, 1.2])
  })
})
