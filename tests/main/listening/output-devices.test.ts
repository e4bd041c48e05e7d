/**
 * Parsing `pactl -f json list sinks`, and PortAudio devices as choices (the real listings are
 * checked on a live server in live-listening.test.ts and audio/audio-output-portaudio.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { outputDeviceIdSchema } from '../../../src/core/api/contract'
import { parsePulseShortSinks, parsePulseSinks, portAudioOutputChoices } from '../../../src/main/listening/output-devices'

describe('parsePulseSinks', () => {
  it('names each sink by its description, marks the default, and drops names unfit for PULSE_SINK', () => {
    const json = JSON.stringify([
      { index: 0, name: 'alsa_output.pci-0000_00_1f.3.analog-stereo', description: 'Built-in Audio Analog Stereo' },
      { index: 1, name: 'bluez_sink.00_1B_66_AA_BB_CC.a2dp_sink', description: '' },
      // A name with shell characters would end up in an environment variable: never offered.
      { index: 2, name: 'evil; rm -rf /', description: 'Evil' },
      { index: 3, description: 'No name' },
    ])
    expect(parsePulseSinks(json, 'bluez_sink.00_1B_66_AA_BB_CC.a2dp_sink')).toEqual([
      { id: 'alsa_output.pci-0000_00_1f.3.analog-stereo', name: 'Built-in Audio Analog Stereo', isDefault: false },
      { id: 'bluez_sink.00_1B_66_AA_BB_CC.a2dp_sink', name: 'bluez_sink.00_1B_66_AA_BB_CC.a2dp_sink', isDefault: true },
    ])
  })

  it('returns nothing for output that is not a JSON list (an old pactl without -f json)', () => {
    expect(parsePulseSinks('Sink #0\n\tName: x', null)).toEqual([])
    expect(parsePulseSinks('{"name":"x"}', null)).toEqual([])
  })
})

describe('parsePulseShortSinks', () => {
  it('takes the name column of `pactl list short sinks` (pactl before 16)', () => {
    const text =
      '0\talsa_output.pci-0000_00_1f.3.analog-stereo\tmodule-alsa-card.c\ts16le 2ch ' +
      '44100Hz\tSUSPENDED\n1\tausculta_sink\tmodule-null-sink.c\tfloat32le 2ch 48000Hz\tRUNNING\n'
    expect(parsePulseShortSinks(text, 'ausculta_sink')).toEqual([
      { id: 'alsa_output.pci-0000_00_1f.3.analog-stereo', name: 'alsa_output.pci-0000_00_1f.3.analog-stereo', isDefault: false },
      { id: 'ausculta_sink', name: 'ausculta_sink', isDefault: true },
    ])
  })
})

describe('portAudioOutputChoices', () => {
  it('offers each PortAudio output under its stable id, named with its host API, the default flagged', () => {
    const choices = portAudioOutputChoices([
      {
        index: 0,
        name: 'MacBook Pro Speakers',
        hostApi: 'Core Audio',
        maxOutputChannels: 2,
        defaultSampleRateHz: 48000,
        isDefaultOutput: true,
      },
      { index: 2, name: 'AirPods Pro', hostApi: 'Core Audio', maxOutputChannels: 2, defaultSampleRateHz: 48000, isDefaultOutput: false },
    ])
    expect(choices).toEqual([
      { id: 'portaudio:Core+20Audio:MacBook+20Pro+20Speakers', name: 'MacBook Pro Speakers (Core Audio)', isDefault: true },
      { id: 'portaudio:Core+20Audio:AirPods+20Pro', name: 'AirPods Pro (Core Audio)', isDefault: false },
    ])
    // What the renderer sends back must pass the API's id check.
    for (const { id } of choices) expect(outputDeviceIdSchema.safeParse(id).success).toBe(true)
  })
})
