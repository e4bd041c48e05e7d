/**
 * Issue 15: recordings with no heart sound must not show a heart rate. A 50-Hz mains hum (with
 * harmonics, as a cart's power supply hums) and white noise, made by sox as a user's file would
 * be, analysed by the real CLI with the shipped model: `analyze --json` shows no HR in any window.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const exec = promisify(execFile)

async function analyzeJson(wav: string): Promise<{ windows: Array<{ startS: number; hrBpm: number | null; reason: string | null }> }> {
  const { stdout } = await exec('node', ['bin/ausculta.js', 'analyze', wav, '--json'], { cwd: ROOT })
  return JSON.parse(stdout)
}

describe('analyze --json on recordings without a heart (real sox files, real CLI and model)', () => {
  it('a 50-Hz hum with harmonics shows no HR, with a reason', async () => {
    const dir = testTempDir('ausculta-no-heart-')
    const wav = join(dir, 'hum50.wav')
    // 20 s at 8 kHz (another rate than the model's: resampled by the app), 50 Hz + 100/150 Hz harmonics.
    await exec('sox', [
      '-n',
      '-r',
      '8000',
      '-b',
      '16',
      wav,
      'synth',
      '20',
      'sine',
      '50',
      'sine',
      '100',
      'sine',
      '150',
      'remix',
      '1-3',
      'gain',
      '-n',
      '-6',
    ])
    const result = await analyzeJson(wav)
    expect(result.windows).toHaveLength(16)
    for (const window of result.windows) {
      expect(window.hrBpm).toBeNull()
      expect(window.reason).toMatch(/\S/)
    }
  })

  it('white noise shows no HR', async () => {
    const dir = testTempDir('ausculta-no-heart-')
    const wav = join(dir, 'white.wav')
    await exec('sox', ['-n', '-r', '4000', '-b', '16', wav, 'synth', '20', 'whitenoise', 'gain', '-n', '-12'])
    const result = await analyzeJson(wav)
    expect(result.windows).toHaveLength(16)
    expect(result.windows.filter((w) => w.hrBpm !== null)).toEqual([])
  })
})
