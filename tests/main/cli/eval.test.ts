/**
 * `ausculta eval` as a user runs it (a child process), on a folder holding one sample recording,
 * checked against a hand computation, and on malformed folders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { estimateHrClassical } from '../../../src/core/hr/classical-hr'
import { readWavMono } from '../../../src/main/io/wav-file'
import { EncoderModel } from '../../../src/main/model/encoder-model'

const run = promisify(execFile)
const ROOT = join(__dirname, '../../..')
const CLI = join(ROOT, 'bin/ausculta.js')
let folder: string

async function ausculta(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'ausculta-eval-'))
  // Patient 68303 lists four recordings; only AV is in samples/, so eval must report three as skipped.
  for (const file of ['68303.txt', '68303_AV.wav', '68303_AV.tsv', '68303_AV.hea'])
    copyFileSync(join(ROOT, 'samples', file), join(folder, file))
})
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('ausculta eval', () => {
  it('matches a hand check on one recording', async () => {
    const { code, stdout } = await ausculta(['eval', folder, '--json'])
    expect(code).toBe(0)
    const result = JSON.parse(stdout) as {
      summary: { windows: number; estimators: Array<{ estimator: string; metrics: { maeBpm: number; count: number } }> }
      skipped: Array<{ path: string }>
    }
    expect(result.skipped).toHaveLength(3)

    // 68303_AV.tsv: the only annotated run starts at 0.49175 s; windows start there and every 1 s
    // while they fit the run (ends 12.66 s) → 7 windows. First window [0.49175, 5.49175): S1 onsets
    // 0.49175, 0.940207, …, 5.040207 (11 onsets) → HR = 60·10 / (5.040207 − 0.49175) = 131.913 bpm.
    expect(result.summary.windows).toBe(7)
    const starts = Array.from({ length: 7 }, (_, i) => 0.49175 + i)
    const firstReference = (60 * 10) / (5.040207 - 0.49175)
    expect(firstReference).toBeCloseTo(131.913, 3)

    const { samples } = readWavMono(join(ROOT, 'samples/68303_AV.wav'))
    const windows = starts.map((start) => samples.slice(Math.round(start * 4000), Math.round(start * 4000) + 20000))
    const tsv = readFileSync(join(ROOT, 'samples/68303_AV.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('\t').map(Number))
    const references = starts.map((start) => {
      const onsets = tsv
        .filter(([s, , label]) => label === 1 && (s as number) >= start - 1e-9 && (s as number) < start + 5 - 1e-9)
        .map(([s]) => s as number)
      return (60 * (onsets.length - 1)) / ((onsets[onsets.length - 1] as number) - (onsets[0] as number))
    })
    expect(references[0]).toBeCloseTo(firstReference, 9)

    const classical = windows.map((window) => estimateHrClassical(window, 4000).hrBpm)
    const scored = classical
      .map((hr, i) => (hr === null ? null : Math.abs(hr - (references[i] as number))))
      .filter((e): e is number => e !== null)
    const classicalRow = result.summary.estimators.find((row) => row.estimator === 'classical')
    expect(classicalRow?.metrics.count).toBe(scored.length)
    expect(classicalRow?.metrics.maeBpm).toBeCloseTo(scored.reduce((a, b) => a + b, 0) / scored.length, 6)

    const model = await EncoderModel.load(join(ROOT, 'models/ausculta-encoder.onnx'))
    const outputs = await model.run(windows)
    await model.release()
    const modelMae = outputs.production.reduce((sum, estimate, i) => sum + Math.abs(estimate.hrBpm - (references[i] as number)), 0) / 7
    const productionRow = result.summary.estimators.find((row) => row.estimator === 'production')
    expect(productionRow?.metrics.maeBpm).toBeCloseTo(modelMae, 4)
    expect(result.summary.estimators.filter((row) => row.estimator.startsWith('layer ')).length).toBe(model.card.layers.length)
  })

  it('writes a Markdown report and shows progress on stderr', async () => {
    const report = join(folder, 'report.md')
    const { code, stderr } = await ausculta(['eval', folder, '--report', report])
    expect(code).toBe(0)
    expect(stderr).toMatch(/evaluating: 1\/1/)
    const markdown = readFileSync(report, 'utf8')
    expect(markdown).toMatch(/\| production \|/)
    expect(markdown).toMatch(/## By confidence/)
  })

  it('scores the displayed HR (streamed from the recording start) and writes one CSV row per window', async () => {
    const csvPath = join(folder, 'windows.csv')
    const { code, stdout } = await ausculta(['eval', folder, '--json', '--windows', csvPath])
    expect(code).toBe(0)
    const result = JSON.parse(stdout) as {
      summary: {
        estimators: Array<{ estimator: string; metrics: { count: number; declinedCount: number; maeBpm: number } }>
        breakdowns: Array<{ group: string; value: string }>
        displayed: { answeredShare: number; calibration: unknown[] }
      }
    }
    const displayed = result.summary.estimators.find((row) => row.estimator === 'displayed')
    // Every one of the 7 labelled windows is either shown (scored) or declined; none disappears.
    expect((displayed?.metrics.count ?? 0) + (displayed?.metrics.declinedCount ?? 0)).toBe(7)
    expect(result.summary.displayed.answeredShare).toBeCloseTo((displayed?.metrics.count ?? 0) / 7, 9)
    // 68303_AV runs at ~131 bpm: the ≥ 120 band holds all 7 windows.
    expect(result.summary.breakdowns.filter((row) => row.group === 'reference HR (bpm)').map((row) => row.value)).toEqual(['≥ 120'])
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n')
    expect(lines[0]).toMatch(
      /^recording_id,patient_id,location,age_group,murmur,start_s,reference_bpm,displayed_bpm,display_code,production_bpm,confidence,/,
    )
    expect(lines[0]).toContain('classical_bpm')
    expect(lines).toHaveLength(8)
    const first = (lines[1] as string).split(',')
    expect(first.slice(0, 3)).toEqual(['68303_AV', '68303', 'AV'])
    expect(Number(first[5])).toBeCloseTo(0.49175, 3)
    expect(Number(first[6])).toBeCloseTo(131.913, 2)
  })

  it('says clearly when a folder is not in CirCor format', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ausculta-eval-empty-'))
    writeFileSync(join(empty, 'notes.txt'), 'hello')
    const { code, stderr } = await ausculta(['eval', empty])
    expect(code).toBe(1)
    expect(stderr).toMatch(/NotCircorFolderError: .*not a CirCor folder: no patient files/)
    rmSync(empty, { recursive: true, force: true })
    const missing = await ausculta(['eval', join(folder, 'does-not-exist')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/not a folder/)
  })

  it('skips and counts a recording whose WAV is corrupt instead of failing', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'ausculta-eval-broken-'))
    for (const file of ['68303.txt', '68303_AV.tsv']) copyFileSync(join(ROOT, 'samples', file), join(broken, file))
    writeFileSync(join(broken, '68303_AV.wav'), Buffer.from('RIFF\x00\x00\x00\x00WAVEjunk'))
    const { code, stdout } = await ausculta(['eval', broken, '--model', 'none', '--json'])
    // No window could be scored: exit 1, but a full account rather than a crash.
    expect(code).toBe(1)
    const result = JSON.parse(stdout) as { skipped: Array<{ path: string; reason: string }> }
    expect(result.skipped.some((skip) => skip.path.endsWith('68303_AV.wav') && /WavFormatError/.test(skip.reason))).toBe(true)
    rmSync(broken, { recursive: true, force: true })
  })

  it('rejects bad usage with exit code 2', async () => {
    expect((await ausculta(['eval'])).code).toBe(2)
    expect((await ausculta(['eval', folder, '--batch', '0'])).code).toBe(2) // an unknown option is a usage error
    expect((await ausculta(['eval', folder, '--split', 'nope'])).code).toBe(2)
  })
})
