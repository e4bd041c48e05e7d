/**
 * Every `ausculta <command>` parses its options through one helper (src/main/cli/parse-options.ts):
 * an unknown option is a usage error (exit 2, the command's usage, no stack trace), never an
 * "internal error" with exit 70. Every command of the CLI's table is covered, and every module in
 * the commands folder must be in that table, so a new command is covered without editing this
 * test. Also: `eval` on a folder whose only recording is truncated says why it has nothing to score.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { COMMANDS as COMMAND_TABLE } from '../../../src/main/cli/commands'
import { CIRCOR_FIXTURES } from '../../helpers/circor-dataset'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const COMMANDS = Object.keys(COMMAND_TABLE).sort()
const COMMAND_FILES = readdirSync(join(ROOT, 'src/main/cli/commands'))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -3))
  .sort()

function ausculta(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // 60 s: from the sources (vitest.config.mts), tsx compiles the CLI on the fly on a loaded 2-core machine.
  const child = spawnSync(process.execPath, [join(ROOT, 'bin/ausculta.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  return { status: child.status, stdout: child.stdout, stderr: child.stderr }
}

describe('ausculta option parsing', () => {
  it('knows the commands it is testing', () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(['analyze', 'devices', 'eval', 'play', 'robustness', 'serve', 'simulate', 'version']))
    // A command module left out of src/main/cli/commands/index.ts would never run.
    expect(COMMANDS).toEqual(COMMAND_FILES)
  })

  it.each(COMMANDS)('%s: an unknown option is a usage error with exit code 2', (name) => {
    const { status, stderr } = ausculta([name, '--no-such-option'])
    expect(stderr).not.toMatch(/internal error|\n\s+at /)
    expect(stderr).toMatch(new RegExp(`^ausculta ${name}: Unknown option '--no-such-option'\\n\\nUsage: ausculta ${name}`))
    expect(status).toBe(2)
  })

  it('a missing option value is a usage error too', () => {
    const { status, stderr } = ausculta(['eval', '/tmp', '--windows'])
    expect(stderr).toMatch(/^ausculta eval: Option '--windows <value>' argument missing/)
    expect(status).toBe(2)
  })
})

describe('eval on a folder whose only recording is truncated', () => {
  it('says on stderr that the file is cut short', () => {
    const folder = testTempDir('ausculta-eval-truncated-')
    for (const file of ['14241.txt', '14241_AV.hea', '14241_AV.tsv']) copyFileSync(join(CIRCOR_FIXTURES, file), join(folder, file))
    // The first 10,000 bytes: the header still declares the whole recording (163,840 data bytes).
    writeFileSync(join(folder, '14241_AV.wav'), readFileSync(join(CIRCOR_FIXTURES, '14241_AV.wav')).subarray(0, 10_000))
    const { status, stderr } = ausculta(['eval', '--model', 'none', folder])
    expect(stderr).toContain(
      `ausculta eval: warning: ${join(folder, '14241_AV.wav')}: data chunk size 163840 overruns the file; read the 9956 bytes present`,
    )
    expect(stderr).toMatch(/only 4978 samples \(1\.24 s\): too short for a heart rate/)
    // And why the exit is 1: nothing could be scored.
    expect(stderr).toMatch(/no labelled window could be evaluated in .*: 1 recordings read \(1 without a labelled window\), \d+ skipped/)
    expect(status).toBe(1)
  })
})
