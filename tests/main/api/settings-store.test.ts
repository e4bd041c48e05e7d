/**
 * The settings store on a real data folder: a patch is checked whole before anything applies
 * (a refused patch changes neither the settings nor settings.json), and what was saved is what
 * the next start reads; a hand-broken settings.json falls back to the defaults.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { defaultAppSettings, mergeSettingsPatch, SettingsStore, type SettingsEffects } from '../../../src/main/api/settings-store'
import { testTempDir } from '../../helpers/temp-dir'

function effects(applied: unknown[]): SettingsEffects {
  return {
    knownModelPaths: () => [],
    loadModel: async () => {
      throw new Error('no model in these tests')
    },
    applyMonitorSettings: (monitor) => applied.push(monitor),
  }
}

describe('mergeSettingsPatch', () => {
  const current = defaultAppSettings('/tmp/ausculta-settings-pure', null)

  it('keeps what the patch does not name and merges alarm limits one by one', () => {
    const next = mergeSettingsPatch(current, { monitor: { alarms: { hrHighBpm: 150 } } }, current.dataDir, null)
    expect(next.monitor.alarms).toEqual({ ...current.monitor.alarms, hrHighBpm: 150 })
    expect(next.monitor.windowSeconds).toBe(current.monitor.windowSeconds)
    expect(next.executionProvider).toBe('auto')
  })

  it('refuses limits that contradict each other', () => {
    const low = current.monitor.alarms.hrHighBpm
    expect(() => mergeSettingsPatch(current, { monitor: { alarms: { hrLowBpm: low } } }, current.dataDir, null)).toThrow(
      InvalidArgumentError,
    )
    expect(() =>
      mergeSettingsPatch(current, { monitor: { hopSeconds: current.monitor.windowSeconds + 1 } }, current.dataDir, null),
    ).toThrow(/hop .* must not exceed the window/)
  })
})

describe('SettingsStore', () => {
  it('saves an accepted patch to settings.json, which the next start reads; a refused one changes nothing', async () => {
    const dataDir = testTempDir('ausculta-settings-store-')
    const applied: unknown[] = []
    const store = new SettingsStore(defaultAppSettings(dataDir, null))
    const saved = await store.update({ monitor: { alarms: { hrHighBpm: 150 } } }, effects(applied))
    expect(saved.monitor.alarms.hrHighBpm).toBe(150)
    expect(applied).toEqual([saved.monitor])
    const file = join(dataDir, 'settings.json')
    const before = readFileSync(file, 'utf8')
    await expect(store.update({ monitor: { alarms: { hrLowBpm: 200 } } }, effects(applied))).rejects.toThrow(InvalidArgumentError)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(store.get().monitor.alarms.hrLowBpm).toBe(saved.monitor.alarms.hrLowBpm)
    expect(applied).toHaveLength(1)
    expect(new SettingsStore(defaultAppSettings(dataDir, null)).get().monitor.alarms.hrHighBpm).toBe(150)
  })

  it('starts from the defaults when settings.json is broken, and listening preferences are kept', () => {
    const dataDir = testTempDir('ausculta-settings-broken-')
    writeFileSync(join(dataDir, 'settings.json'), '{ not json')
    const store = new SettingsStore(defaultAppSettings(dataDir, null))
    expect(store.get()).toEqual(defaultAppSettings(dataDir, null))
    store.saveListening({ filter: 'bell', gainDb: 6, outputDeviceId: null })
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(true)
    expect(new SettingsStore(defaultAppSettings(dataDir, null)).get().listening).toEqual({
      filter: 'bell',
      gainDb: 6,
      outputDeviceId: null,
    })
  })
})
