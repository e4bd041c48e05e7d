/**
 * Cross-language check (docs/hr-protocol.md: "a cross-language test proves both give identical
 * windows and labels"): the Python reference `models/training/protocol.py --labels-json` and this
 * TypeScript implementation must produce the same windows for the same `.tsv` files.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { protocolWindows } from '../../../src/core/circor/protocol-windows'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { circorDatasetFor } from '../../helpers/circor-dataset'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const SCRIPT = join(ROOT, 'models/training/protocol.py')
const PYTHON = '/usr/bin/python3'
const SAMPLES = join(ROOT, 'samples')
const dataset = circorDatasetFor(__filename)

interface PyWindow {
  startS: number
  hrBpm: number | null
  s1Count: number
}

function typescriptWindows(tsvPath: string): PyWindow[] {
  const wav = decodeWav(new Uint8Array(readFileSync(tsvPath.replace(/\.tsv$/, '.wav'))), tsvPath)
  return protocolWindows(parseSegmentationTsv(readFileSync(tsvPath), basename(tsvPath)).rows, wav.frames / wav.sampleRateHz).map((w) => ({
    startS: w.startS,
    hrBpm: w.hrBpm,
    s1Count: w.s1Count,
  }))
}

function pythonWindows(tsvPaths: string[]): Record<string, PyWindow[]> {
  const stdout = execFileSync(PYTHON, [SCRIPT, '--labels-json', ...tsvPaths], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return JSON.parse(stdout) as Record<string, PyWindow[]>
}

function expectSameWindows(tsvPaths: string[]): number {
  const python = pythonWindows(tsvPaths)
  let compared = 0
  for (const path of tsvPaths) {
    const name = basename(path, '.tsv')
    const ts = typescriptWindows(path)
    const py = python[name]
    expect(py, `${name} missing from protocol.py output`).toBeDefined()
    expect(ts.length, `${name}: window count`).toBe(py!.length)
    ts.forEach((w, i) => {
      const p = py![i]!
      // 1e-9: both compute start = runStart + k·1.0 and 60 / (sum of diffs / n) in binary64; any
      // larger difference means a different rule, not rounding.
      expect(Math.abs(w.startS - p.startS), `${name}[${i}].startS`).toBeLessThanOrEqual(1e-9)
      expect(w.s1Count, `${name}[${i}].s1Count`).toBe(p.s1Count)
      if (p.hrBpm === null) expect(w.hrBpm, `${name}[${i}].hrBpm`).toBeNull()
      else expect(Math.abs((w.hrBpm ?? Number.NaN) - p.hrBpm), `${name}[${i}].hrBpm`).toBeLessThanOrEqual(1e-9)
      compared++
    })
  }
  return compared
}

describe.skipIf(!existsSync(SCRIPT) || !existsSync(PYTHON))('protocol parity with models/training/protocol.py', () => {
  it('gives identical windows on every samples/*.tsv', () => {
    const tsvs = readdirSync(SAMPLES)
      .filter((f) => f.endsWith('.tsv'))
      .map((f) => join(SAMPLES, f))
    // samples/README.md lists five recordings.
    expect(tsvs.length).toBe(5)
    // 54 labelled windows over the samples (README): at least that many compared.
    expect(expectSameWindows(tsvs)).toBeGreaterThanOrEqual(54)
  })

  it.skipIf(!dataset)('gives identical windows on a spread of the development data (every 7th recording; AUSCULTA_CIRCOR_DIR)', () => {
    const data = dataset!.trainingDataDir
    const tsvs = readdirSync(data)
      .filter((f) => f.endsWith('.tsv'))
      .sort()
      .filter((_, i) => i % 7 === 0)
      .map((f) => join(data, f))
    // 990 / 7 → 142 recordings; about 1,000 windows on average (7.7 per recording), so at least
    // several hundred comparisons show the test is not vacuous.
    expect(tsvs.length).toBe(142)
    expect(expectSameWindows(tsvs)).toBeGreaterThan(500)
  })

  it('treats malformed rows identically (label 28, non-numeric, short rows)', async () => {
    const { writeFileSync, copyFileSync } = await import('node:fs')
    const dir = testTempDir('ausculta-parity-')
    // The rows of samples/68303_AV.tsv with defects injected in the middle of its annotated runs.
    const lines = readFileSync(join(SAMPLES, '68303_AV.tsv'), 'utf8').split('\n')
    lines[20] = lines[20]!.replace(/\t\d$/, '\t28')
    lines[40] = 'garbage'
    lines[60] = lines[60]!.replace(/^[^\t]+\t[^\t]+/, '9.1\t9.0')
    // Three defects injected, three reported: the edits really hit rows.
    expect(parseSegmentationTsv(lines.join('\n'), 'broken.tsv').problems.length).toBe(3)
    writeFileSync(join(dir, 'broken.tsv'), lines.join('\n'))
    copyFileSync(join(SAMPLES, '68303_AV.wav'), join(dir, 'broken.wav'))
    expectSameWindows([join(dir, 'broken.tsv')])
  })
})
