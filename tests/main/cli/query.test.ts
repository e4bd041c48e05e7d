/**
 * `ausculta query` (issue 18): ranks the held-out fixture recordings (tests/fixtures/search/) by a
 * description, as text and as JSON, and refuses what it cannot do with a usage error.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '../../..')
const FIXTURES = join(ROOT, 'tests/fixtures/search')

function ausculta(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // 90 s: from the sources, tsx compiles the CLI on the fly, and the model loads, on a loaded 2-core machine.
  const child = spawnSync(process.execPath, [join(ROOT, 'bin/ausculta.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 })
  return { status: child.status, stdout: child.stdout, stderr: child.stderr }
}

interface QueryJson {
  query: string
  unknownWords: string[]
  kind: string
  results: Array<{ rank: number; id: string; location: string; murmur: string; score: number; startS: number; endS: number }>
  skipped: Array<{ id: string; reason: string }>
}

describe('ausculta query', () => {
  it('ranks a CirCor folder by a description, with stretch, score and CirCor label (--json)', { timeout: 120_000 }, () => {
    const { status, stdout } = ausculta(['query', FIXTURES, 'systolic murmur', '--json'])
    expect(status).toBe(0)
    const out = JSON.parse(stdout) as QueryJson
    expect(out.kind).toBe('circor')
    expect(out.query).toBe('systolic murmur')
    expect(out.results.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6])
    for (let i = 1; i < out.results.length; i++) expect(out.results[i - 1]!.score).toBeGreaterThanOrEqual(out.results[i]!.score)
    // The best match is a murmur (49994_MV, measured); the patients' 16 other recordings (listed, not copied) are skipped.
    expect(out.results[0]).toMatchObject({ id: '49994_MV', murmur: 'present' })
    for (const r of out.results) expect(r.endS).toBeGreaterThan(r.startS)
    expect(out.skipped.length).toBe(16)
  })

  it('prints a table with the limit and says which words it ignores', { timeout: 120_000 }, () => {
    const { status, stdout } = ausculta(['query', FIXTURES, 'systolic murmur at the zzyzx', '--limit', '2'])
    expect(status).toBe(0)
    expect(stdout).toMatch(/6 recording\(s\) ranked, the best 2 below/)
    expect(stdout).toMatch(/unknown words \(ignored\): zzyzx/)
    expect(
      stdout
        .trim()
        .split('\n')
        .filter((line) => /^\s+\d+\s+-?\d\.\d{3}\s/.test(line)),
    ).toHaveLength(2)
  })

  it('refuses a missing description, an empty one and a bad limit (exit 2)', { timeout: 120_000 }, () => {
    expect(ausculta(['query', FIXTURES]).status).toBe(2)
    expect(ausculta(['query', FIXTURES, '  ']).status).toBe(2)
    expect(ausculta(['query', FIXTURES, 'murmur', '--limit', '0']).status).toBe(2)
  })
})
