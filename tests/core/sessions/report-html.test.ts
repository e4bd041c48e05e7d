import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AnnotationDoc } from '../../../src/core/sessions/annotations'
import { importCircorTsv } from '../../../src/core/sessions/circor-tsv'
import type { HrTraceEntry } from '../../../src/core/sessions/hr-trace'
import { renderSessionReport } from '../../../src/core/sessions/report-html'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { sampleMeta } from './fixtures'

const SAMPLES = join(__dirname, '../../../samples')
/** 21.0 s: the 16 trace points (5–20 s) all fall inside the recording. */
const audio = decodeWav(readFileSync(join(SAMPLES, '50238_MV.wav')), '50238_MV.wav')
const spans = importCircorTsv(readFileSync(join(SAMPLES, '50238_MV.tsv'), 'utf8'), '50238_MV.tsv').spans
const annotations: AnnotationDoc = {
  schemaVersion: 1,
  items: [{ kind: 'marker', id: 'm1', timeS: 12, label: '<script>alert(1)</script>', note: 'a & b' }, ...spans],
}
const trace: HrTraceEntry[] = Array.from({ length: 16 }, (_, i) => ({
  timeS: i + 5,
  hrBpm: 90 + (i % 3),
  confidence: 0.9,
  layers: [],
  classicalHrBpm: 91,
  classicalQuality: 0.8,
}))
const attribution =
  'Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022, PhysioNet, ' +
  'doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.'

const html = renderSessionReport({
  meta: { ...sampleMeta, patient: { name: 'Ana <Lima>' } },
  samples: audio.channelData[0] as Float32Array,
  sampleRateHz: audio.sampleRateHz,
  trace,
  annotations,
  footnotes: [attribution],
})

describe('session report HTML', () => {
  it('is self-contained: no URLs, no scripts, no external resources', () => {
    expect(html).not.toMatch(/https?:\/\//i)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/\b(src|href)=/i)
  })

  it('draws the PCG, the HR trend and one rect per annotation span', () => {
    // The overview, the first 8 s in detail (the recording is longer than 12 s) and the HR trend.
    expect(html.match(/<svg /g)).toHaveLength(3)
    expect(html).toContain('aria-label="PCG detail"')
    expect(html).toContain('aria-label="PCG overview"')
    expect(html).toContain('aria-label="HR trend"')
    expect(html.match(/<rect /g)).toHaveLength(spans.length)
    // PCG path: one min/max stroke per pixel column of the 960-px wide plot.
    const path = /<path d="([^"]*)"/.exec(html)?.[1] ?? ''
    expect(path.match(/M/g)).toHaveLength(960)
    // 16 trace points on the model's HR line.
    const points = [...html.matchAll(/<polyline points="([^"]*)"/g)].map((m) => (m[1] ?? '').split(' ').length)
    expect(points).toEqual([16, 16])
  })

  it('escapes user text and carries the attribution', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('Ana &lt;Lima&gt;')
    expect(html).toContain('a &amp; b')
    expect(html).toContain('doi:10.13026/tshs-mw03')
  })
})
