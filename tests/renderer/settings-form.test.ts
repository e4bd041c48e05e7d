import { describe, expect, it } from 'vitest'
import { checkSettingsForm, humanSettingsError, invalidFields, providerNoteForPeople } from '../../src/renderer/src/lib/settings-form'

const ok = { windowSeconds: 5, hopSeconds: 1, hrLowBpm: 45, hrHighBpm: 150, sustainSeconds: 10, signalLostSeconds: 10 }

describe('Settings form in words', () => {
  it('an empty or out-of-range field says what to enter', () => {
    expect(checkSettingsForm(ok)).toEqual([])
    expect(checkSettingsForm({ ...ok, hrHighBpm: null })).toEqual(['High heart-rate limit: enter a number from 30 to 300 bpm'])
    expect(checkSettingsForm({ ...ok, hrLowBpm: 5, sustainSeconds: -1 })).toEqual([
      'Low heart-rate limit: enter a number from 20 to 250 bpm',
      'Alarm delay: enter a number from 0 to 600 s',
    ])
    expect(invalidFields({ ...ok, hrHighBpm: null, hopSeconds: 20 })).toEqual(['hrHighBpm', 'hopSeconds'])
    expect(checkSettingsForm({ ...ok, hrLowBpm: 120, hrHighBpm: 100 })).toEqual([
      'The low heart-rate limit (120 bpm) must be below the high one (100 bpm)',
    ])
  })

  it("turns the backend's validation messages into the same words", () => {
    const raw = "field 'monitor.alarms.hrHighBpm': Invalid input: expected number, received null"
    expect(humanSettingsError(raw)).toBe('High heart-rate limit: enter a number from 30 to 300 bpm')
    expect(humanSettingsError("field 'monitor.unknown': bad")).not.toContain('field')
    expect(humanSettingsError('alarm limits: low 120 bpm must be below high 100 bpm')).toBe(
      'The low heart-rate limit (120 bpm) must be below the high one (100 bpm)',
    )
    expect(humanSettingsError('the model file is gone')).toBe('the model file is gone')
  })

  it('says which acceleration is missing without environment variables', () => {
    const note = 'cuda: CUDA provider library not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 on a machine)'
    const shown = providerNoteForPeople(note, 'cpu')
    expect(shown).toBe('Acceleration by NVIDIA graphics card (CUDA) is not available on this computer; the model runs on the processor.')
    expect(shown).not.toMatch(/[A-Z]+_[A-Z_]+/)
    expect(providerNoteForPeople('cuda: x; dml: y', 'cpu')).toContain('CUDA), DirectML')
  })
})
