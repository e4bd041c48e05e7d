import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { readWavMono } from '../../../src/main/io/wav-file'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const run = async (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/ausculta.js', 'play', ...args], { cwd: ROOT, env })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('ausculta play (real CLI process)', () => {
  it('--out at 0.5x writes twice the duration, below full scale, with the filter applied', async () => {
    const dir = testTempDir('ausculta-play-')
    const out = join(dir, 'slow.wav')
    const { code, stdout } = await run(['samples/50238_MV.wav', '--speed', '0.5', '--filter', 'bell', '--gain', '30', '--out', out])
    expect(code).toBe(0)
    expect(stdout).toContain('0.5x, filter bell, gain 30 dB')
    const input = readWavMono(join(ROOT, 'samples/50238_MV.wav'))
    const result = readWavMono(out)
    expect(result.sampleRateHz).toBe(input.sampleRateHz)
    // Output duration × speed = input duration, to the sample (round(n / 0.5) = 2n).
    expect(result.samples.length).toBe(2 * input.samples.length)
    let peak = 0
    for (const v of result.samples) peak = Math.max(peak, Math.abs(v))
    // +30 dB on a CirCor recording would clip without the limiter; -1 dBFS = 0.891, plus one
    // 16-bit step of rounding.
    expect(peak).toBeLessThanOrEqual(10 ** (-1 / 20) + 1 / 32768)
    // Something audible came out (a broken path writing silence would pass the bound).
    expect(peak).toBeGreaterThan(0.3)
  })

  it('without an audio output says so and suggests --out (exit 1)', async () => {
    const env = { ...process.env, XDG_RUNTIME_DIR: join(tmpdir(), 'ausculta-no-pulse-here'), PULSE_SERVER: 'unix:/nonexistent/pulse' }
    const { code, stderr } = await run(['samples/50238_MV.wav'], env)
    expect(code).toBe(1)
    expect(stderr).toMatch(/NoAudioOutputError: no audio output device.*--out/)
  })

  it('refuses speeds other than 0.5, 1 and 2 and unknown filters (usage, exit 2)', async () => {
    expect((await run(['samples/50238_MV.wav', '--speed', '3'])).stderr).toMatch(/--speed must be 0.5, 1 or 2, got '3'/)
    const bad = await run(['samples/50238_MV.wav', '--filter', 'loud'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--filter must be bell, diaphragm, wide or none, got 'loud'/)
  })
})
