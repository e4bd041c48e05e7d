/**
 * native/build.js must never fail `npm install`: without PortAudio it prints a notice and exits 0
 * (the app then says "audio devices unavailable: install PortAudio").
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const BUILD = join(__dirname, '../../../native/build.js')

describe('native/build.js', () => {
  it('exits 0 with a notice when pkg-config cannot find PortAudio', () => {
    // an empty pkg-config search path is what a machine without portaudio19-dev looks like
    const result = spawnSync(process.execPath, [BUILD], {
      env: { ...process.env, PKG_CONFIG_LIBDIR: '/nonexistent', PKG_CONFIG_PATH: '' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(result.status).toBe(0)
    expect(result.stderr).toMatch(/PortAudio not found/)
    expect(result.stderr).toMatch(/without audio devices/)
  })

  it('can be skipped explicitly', () => {
    const result = spawnSync(process.execPath, [BUILD], {
      env: { ...process.env, AUSCULTA_SKIP_NATIVE: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(result.status).toBe(0)
    expect(result.stderr).toMatch(/skipped/)
  })
})
