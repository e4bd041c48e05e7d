/**
 * Where the audio addon and the data folder are found (issue 19, item 4): node-gyp-build looks in
 * native/ (build/Release, build/Debug, prebuilds/<platform>-<arch>), env-paths gives the data folder.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import nodeGypBuild from 'node-gyp-build'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { defaultDataDir } from '../../../src/main/api/create-backend'
import { AudioBackendUnavailableError, loadAudioAddon, resetAudioAddonCache } from '../../../src/main/devices/audio-addon'
import { testTempDir } from '../../helpers/temp-dir'

const NATIVE = join(__dirname, '../../../native')
const BUILT = join(NATIVE, 'build/Release/ausculta_audio.node')

function withEnv(name: string, value: string | undefined): void {
  const saved = process.env[name]
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
  onTestFinished(() => {
    if (saved === undefined) delete process.env[name]
    else process.env[name] = saved
  })
}

describe('audio addon loading', () => {
  afterEach(() => resetAudioAddonCache())

  it.skipIf(!existsSync(BUILT))('finds the built addon in native/build/Release through node-gyp-build and loads it', () => {
    resetAudioAddonCache()
    const binding = loadAudioAddon()
    expect(binding).not.toBeInstanceOf(AudioBackendUnavailableError)
    expect(typeof (binding as { version(): string }).version()).toBe('string')
  })

  it('finds a prebuild for this platform and architecture in prebuilds/', () => {
    const dir = testTempDir('ausculta-prebuilds-')
    expect(() => nodeGypBuild.path(dir)).toThrow()
    const prebuilds = join(dir, 'prebuilds', `${process.platform}-${process.arch}`)
    mkdirSync(prebuilds, { recursive: true })
    copyFileSync(join(__dirname, '../../../package.json'), join(prebuilds, 'node.napi.node'))
    expect(nodeGypBuild.path(dir)).toBe(join(prebuilds, 'node.napi.node'))
  })

  it('AUSCULTA_AUDIO_ADDON naming a missing file gives the typed error naming it', () => {
    withEnv('AUSCULTA_AUDIO_ADDON', '/nonexistent/ausculta_audio.node')
    resetAudioAddonCache()
    const result = loadAudioAddon()
    expect(result).toBeInstanceOf(AudioBackendUnavailableError)
    expect((result as Error).message).toContain('/nonexistent/ausculta_audio.node')
  })
})

describe('default data folder', () => {
  it.runIf(process.platform === 'linux')('follows XDG_DATA_HOME on Linux, else ~/.local/share', () => {
    withEnv('XDG_DATA_HOME', '/srv/xdg-data')
    expect(defaultDataDir()).toBe('/srv/xdg-data/ausculta')
    withEnv('XDG_DATA_HOME', undefined)
    expect(defaultDataDir()).toBe(join(homedir(), '.local/share/ausculta'))
  })
})
