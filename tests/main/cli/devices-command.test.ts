import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const BIN = join(__dirname, '../../../bin/ausculta.js')

describe('ausculta devices', () => {
  it('prints the registry as JSON with real serialport and node-hid enumeration', () => {
    // tsx compiles the CLI on first run: 30 s covers a slow shared machine
    const result = spawnSync(process.execPath, [BIN, 'devices', '--json', '--no-audio', '--hid-all'], { encoding: 'utf8', timeout: 30_000 })
    expect(result.status).toBe(0)
    const output = JSON.parse(result.stdout) as {
      sources: Array<{ id: string; status: string }>
      hidInterfaces: unknown[]
      problems: string[]
    }
    expect(output.sources).toContainEqual(expect.objectContaining({ id: 'audio:unavailable', status: 'unavailable' }))
    expect(Array.isArray(output.hidInterfaces)).toBe(true)
    expect(output.problems).toEqual([])
  })

  it('rejects an unknown option with usage and exit code 2', () => {
    const result = spawnSync(process.execPath, [BIN, 'devices', '--bogus'], { encoding: 'utf8', timeout: 30_000 })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/Unknown option '--bogus'/)
  })
})
