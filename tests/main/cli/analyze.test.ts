import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const run = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/ausculta.js', 'analyze', ...args], { cwd: ROOT })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('ausculta analyze (real CLI process)', () => {
  it('prints the per-window table (shown, confidence, model, classical, beats) and the metrics against a tsv', async () => {
    const { code, stdout } = await run('samples/68303_AV.wav', '--tsv', 'samples/68303_AV.tsv')
    expect(code).toBe(0)
    expect(stdout).toMatch(/estimator: model ausculta-encoder@/)
    expect(stdout).toMatch(/start s +shown +conf +model +classical +beats +ref bpm +err bpm/)
    // samples/README.md: 7 labelled windows; the first protocol window starts at 0.49 s (reference 131.9).
    expect(stdout).toContain('7 windows of 5 s every 1 s')
    expect(stdout).toMatch(/^ +0\.49 +13\d\.\d +\d+ % +13\d\.\d +13\d\.\d +13\d\.\d +131\.9 +[+-]\d\.\d$/m)
    expect(stdout).toMatch(/shown vs reference \(7 windows\): MAE \d\.\d\d bpm/)
    expect(stdout).toMatch(/classical vs reference \(7 windows\)/)
  })

  it('--json prints one object whose windows carry the shown HR (or null and a reason) and every estimator', async () => {
    const { code, stdout } = await run('samples/74420_MV.wav', '--tsv', 'samples/74420_MV.tsv', '--json')
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.estimator).toBe('model')
    // 12 labelled windows (samples/README.md); all protocol windows of this file are labelled.
    expect(result.windows.length).toBe(12)
    expect(result.metrics.count + result.metrics.declinedCount).toBe(12)
    // An infant at ~140 bpm, clean: the model's MAE is well under 1 bpm here; 2 bpm flags a regression.
    expect(result.metrics.maeBpm).toBeLessThan(2)
    expect(result.productionMetrics.maeBpm).toBeLessThan(2)
    for (const key of ['startS', 'hrBpm', 'reason', 'confidence', 'productionBpm', 'classicalBpm', 'beatsBpm', 'referenceBpm', 'errorBpm'])
      expect(result.windows[0]).toHaveProperty(key)
  })

  it('--estimator classical analyses with the classical estimator alone', async () => {
    const { code, stdout } = await run('samples/74420_MV.wav', '--tsv', 'samples/74420_MV.tsv', '--json', '--estimator', 'classical')
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.estimator).toBe('classical')
    expect(result.windows[0].productionBpm).toBeNull()
    // The classical estimator's MAE on this infant is 0.6 bpm (tests/core/hr); 2 bpm flags a regression.
    expect(result.metrics.maeBpm).toBeLessThan(2)
  })

  it('without --tsv streams over the whole file from 0 s, as the live screen', async () => {
    const { code, stdout } = await run('samples/50238_MV.wav', '--json', '--hop', '2')
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    // 21.05 s of audio, 5-s windows every 2 s: starts 0, 2, ..., 16 → 9 windows.
    expect(result.windows.map((w: { startS: number }) => w.startS)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16])
    expect(result.metrics).toBeNull()
    // Adolescent at 68–73 bpm (reference labels): the median shown HR lies within 5 bpm of 70.
    expect(Math.abs(result.medianHrBpm - 70)).toBeLessThan(5)
  })

  it('--csv prints one row per window with the shown HR empty where none is shown', async () => {
    const { code, stdout } = await run('samples/50238_MV.wav', '--csv')
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toBe(
      [
        'startS,hrBpm,state,code,reason,confidence,productionBpm,productionMass5,noHrProb,classicalBpm,classicalQuality,beatsBpm,s1Count,',
        'referenceBpm,errorBpm',
      ].join(''),
    )
    // 21.05 s, 5-s windows every 1 s: 17 windows.
    expect(lines).toHaveLength(18)
  })

  it('resamples a 44.1 kHz file (made by sox from a sample) to 4 kHz and gets the same HRs', async () => {
    const dir = testTempDir('ausculta-analyze-')
    const wav44k = join(dir, '74420_MV_44k.wav')
    await promisify(execFile)('sox', [join(ROOT, 'samples/74420_MV.wav'), '-r', '44100', wav44k])
    const { code, stdout } = await run(wav44k, '--tsv', 'samples/74420_MV.tsv', '--json')
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.sourceRateHz).toBe(44100)
    // Same 12 protocol windows; up- then down-sampling leaves the heart-sound band intact (2 bpm as above).
    expect(result.metrics.count + result.metrics.declinedCount).toBe(12)
    expect(result.metrics.maeBpm).toBeLessThan(2)
  })

  it('exits 1 with a clear message for a missing file, a non-WAV and a bad tsv path', async () => {
    const missing = await run('samples/nope.wav')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/samples\/nope\.wav: file not found/)
    const notWav = await run('samples/68303_AV.tsv')
    expect(notWav.code).toBe(1)
    expect(notWav.stderr).toMatch(/WavFormatError: .*68303_AV\.tsv/)
    const badTsv = await run('samples/68303_AV.wav', '--tsv', 'samples/none.tsv')
    expect(badTsv.code).toBe(1)
    expect(badTsv.stderr).toMatch(/samples\/none\.tsv: file not found/)
  })

  it('warns about malformed tsv rows and still analyses', async () => {
    const dir = testTempDir('ausculta-analyze-')
    writeFileSync(join(dir, 'bad.tsv'), '0\t1\t0\n1\t2\t28\n')
    const { code, stderr, stdout } = await run('samples/68303_AV.wav', '--tsv', join(dir, 'bad.tsv'))
    expect(code).toBe(0)
    expect(stderr).toMatch(/warning: bad\.tsv:2: label 28 outside 0–4/)
    expect(stdout).toContain('0 windows')
  })

  it('exits 2 with the usage for bad arguments', async () => {
    for (const args of [
      [],
      ['a.wav', 'b.wav'],
      ['samples/68303_AV.wav', '--hop', '0'],
      ['samples/68303_AV.wav', '--window', 'x'],
      ['samples/68303_AV.wav', '--bogus'],
      ['samples/68303_AV.wav', '--estimator', 'magic'],
      ['samples/68303_AV.wav', '--json', '--csv'],
      ['samples/68303_AV.wav', '--window', '8'],
    ]) {
      const { code, stderr } = await run(...args)
      expect(code).toBe(2)
      expect(stderr).toContain('Usage: ausculta analyze')
    }
  })
})
