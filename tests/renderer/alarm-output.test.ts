import { describe, expect, it } from 'vitest'
import { sinkIdForOutput } from '../../src/renderer/src/lib/alarm-output'

const devices = [
  { deviceId: 'default', label: 'Default', kind: 'audiooutput' },
  { deviceId: 'a1', label: 'Built-in Audio Analog Stereo', kind: 'audiooutput' },
  { deviceId: 'h1', label: 'Plantronics Headset Analog Stereo', kind: 'audiooutput' },
  { deviceId: 'm1', label: 'Plantronics Headset Analog Stereo', kind: 'audioinput' },
]

describe('alarm output: the listening output among the page audio outputs', () => {
  it('matches the output by its label, outputs only', () => {
    expect(sinkIdForOutput(devices, 'Plantronics Headset Analog Stereo')).toBe('h1')
    expect(sinkIdForOutput(devices, ' plantronics headset analog stereo ')).toBe('h1')
  })

  it('falls back to the default output (null) when none is chosen, labels are hidden or nothing matches', () => {
    expect(sinkIdForOutput(devices, null)).toBeNull()
    expect(sinkIdForOutput(devices, 'USB Stethoscope Speaker')).toBeNull()
    expect(sinkIdForOutput([{ deviceId: 'x', label: '', kind: 'audiooutput' }], '')).toBeNull()
  })
})
