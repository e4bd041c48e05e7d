import { describe, expect, it } from 'vitest'
import { defaultAppSettings, mergeSettingsPatch } from '../../../src/main/api/settings-store'

describe('settings: the live screen view (bedside or expert)', () => {
  it('is absent until set, then kept through other patches and changed only by its own', () => {
    const start = defaultAppSettings('/tmp/ausculta-settings-display', null)
    expect(start.display).toBeUndefined()
    const expert = mergeSettingsPatch(start, { display: { expertView: true } }, start.dataDir, null)
    expect(expert.display).toEqual({ expertView: true })
    const limits = mergeSettingsPatch(expert, { monitor: { alarms: { hrHighBpm: 120 } } }, start.dataDir, null)
    expect(limits.display).toEqual({ expertView: true })
    expect(mergeSettingsPatch(limits, { display: { expertView: false } }, start.dataDir, null).display).toEqual({ expertView: false })
  })
})
