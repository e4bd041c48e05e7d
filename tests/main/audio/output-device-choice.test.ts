/** Resolving a chosen PortAudio output against a device list (pure; the real addon's list is used in audio-output-portaudio.test.ts). */
import { describe, expect, it } from 'vitest'
import { outputDeviceIdSchema } from '../../../src/core/api/contract'
import { NoAudioOutputError } from '../../../src/main/audio/audio-output'
import {
  describePortAudioOutputId,
  isPortAudioOutputId,
  PortAudioOutputNotFoundError,
  portAudioOutputIds,
  resolvePortAudioOutput,
  type PortAudioOutputDevice,
} from '../../../src/main/audio/output-device-choice'

/** What Windows typically lists: one endpoint under several host APIs, the default on MME. */
const WINDOWS: PortAudioOutputDevice[] = [
  { index: 3, name: 'Microsoft Sound Mapper - Output', hostApi: 'MME', isDefaultOutput: false },
  { index: 4, name: 'Speakers (Realtek(R) Audio)', hostApi: 'MME', isDefaultOutput: true },
  { index: 5, name: 'Headphones (Jabra Evolve2 65)', hostApi: 'MME', isDefaultOutput: false },
  { index: 9, name: 'Speakers (Realtek(R) Audio)', hostApi: 'Windows WASAPI', isDefaultOutput: false },
  { index: 10, name: 'Headphones (Jabra Evolve2 65)', hostApi: 'Windows WASAPI', isDefaultOutput: false },
]

/** The same list after a re-enumeration: the Jabra unplugged, every index shifted. */
const WINDOWS_LATER: PortAudioOutputDevice[] = [
  { index: 2, name: 'Microsoft Sound Mapper - Output', hostApi: 'MME', isDefaultOutput: false },
  { index: 3, name: 'Speakers (Realtek(R) Audio)', hostApi: 'MME', isDefaultOutput: true },
  { index: 7, name: 'Speakers (Realtek(R) Audio)', hostApi: 'Windows WASAPI', isDefaultOutput: false },
]

describe('portAudioOutputIds', () => {
  it('are portaudio:<host API>:<name>, escaped into the id alphabet, and distinct per device', () => {
    const ids = portAudioOutputIds(WINDOWS)
    expect(ids[1]).toBe('portaudio:MME:Speakers+20+28Realtek+28R+29+20Audio+29')
    expect(ids[3]).toBe('portaudio:Windows+20WASAPI:Speakers+20+28Realtek+28R+29+20Audio+29')
    for (const id of ids) {
      expect(outputDeviceIdSchema.safeParse(id).success).toBe(true)
      expect(isPortAudioOutputId(id)).toBe(true)
    }
    expect(new Set(ids).size).toBe(WINDOWS.length)
  })

  it('stay the same when indices change (what the app stores survives a re-enumeration)', () => {
    const before = portAudioOutputIds(WINDOWS)
    const after = portAudioOutputIds(WINDOWS_LATER)
    expect(after).toEqual([before[0], before[1], before[3]])
  })

  it('tell two devices of the same name apart by their order, and escape ":", "+" and non-ASCII', () => {
    const twins: PortAudioOutputDevice[] = [
      { index: 7, name: 'USB Audio: Stéthoscope+ (hw:2,0)', hostApi: 'ALSA', isDefaultOutput: false },
      { index: 2, name: 'USB Audio: Stéthoscope+ (hw:2,0)', hostApi: 'ALSA', isDefaultOutput: false },
    ]
    const [later, earlier] = portAudioOutputIds(twins)
    expect(earlier).toBe('portaudio:ALSA:USB+20Audio+3A+20St+C3+A9thoscope+2B+20+28hw+3A2+2C0+29')
    // The lower index is the first of the two, whatever order the list comes in.
    expect(later).toBe(`${earlier}:2`)
    expect(describePortAudioOutputId(earlier!)).toBe("'USB Audio: Stéthoscope+ (hw:2,0)' (ALSA)")
    expect(describePortAudioOutputId(later!)).toBe("'USB Audio: Stéthoscope+ (hw:2,0)' #2 (ALSA)")
  })

  it('fit names too long for the id schema with a hash, still distinct and stable', () => {
    const long = (tail: string): PortAudioOutputDevice => ({
      index: tail.length,
      name: `${'Very long device name '.repeat(20)}${tail}`,
      hostApi: 'Core Audio',
      isDefaultOutput: false,
    })
    const devices = [long('A'), long('BB')]
    const ids = portAudioOutputIds(devices)
    for (const id of ids) expect(outputDeviceIdSchema.safeParse(id).success).toBe(true)
    expect(ids[0]).not.toBe(ids[1])
    expect(portAudioOutputIds([devices[1]!])[0]).toBe(ids[1])
  })
})

describe('resolvePortAudioOutput', () => {
  it('finds a device by its id after its index changed', () => {
    const wasapiSpeakers = portAudioOutputIds(WINDOWS)[3]!
    expect(resolvePortAudioOutput(WINDOWS_LATER, { id: wasapiSpeakers })).toEqual(WINDOWS_LATER[2])
  })

  it('finds a device by name: the default one where several host APIs list it, else the first; a host API narrows it', () => {
    expect(resolvePortAudioOutput(WINDOWS, { name: 'Speakers (Realtek(R) Audio)' }).index).toBe(4)
    expect(resolvePortAudioOutput(WINDOWS, { name: 'Headphones (Jabra Evolve2 65)' }).index).toBe(5)
    expect(resolvePortAudioOutput(WINDOWS, { name: 'Headphones (Jabra Evolve2 65)', hostApi: 'Windows WASAPI' }).index).toBe(10)
  })

  it('finds a device by index', () => {
    expect(resolvePortAudioOutput(WINDOWS, { index: 9 })).toEqual(WINDOWS[3])
  })

  it("'default' is the host's default output, or the first where PortAudio reports none", () => {
    expect(resolvePortAudioOutput(WINDOWS, 'default').index).toBe(4)
    const noDefault = WINDOWS.map((d) => ({ ...d, isDefaultOutput: false }))
    expect(resolvePortAudioOutput(noDefault, 'default').index).toBe(3)
  })

  it('a device that is gone is a PortAudioOutputNotFoundError (a NoAudioOutputError) naming it and what is there', () => {
    const jabra = portAudioOutputIds(WINDOWS)[2]!
    const gone = (): unknown => resolvePortAudioOutput(WINDOWS_LATER, { id: jabra })
    expect(gone).toThrow(PortAudioOutputNotFoundError)
    expect(gone).toThrow(NoAudioOutputError)
    expect(gone).toThrow(/PortAudio output 'Headphones \(Jabra Evolve2 65\)' \(MME\) \[portaudio:MME:Headphones\+20.*\] not found/)
    expect(gone).toThrow(/outputs now: 2 'Microsoft Sound Mapper - Output' \(MME\), 3 'Speakers \(Realtek\(R\) Audio\)' \(MME\) default/)
    expect(() => resolvePortAudioOutput(WINDOWS_LATER, { name: 'Headphones (Jabra Evolve2 65)' })).toThrow(
      /PortAudio output 'Headphones \(Jabra Evolve2 65\)' not found/,
    )
    expect(() => resolvePortAudioOutput(WINDOWS_LATER, { index: 10 })).toThrow(/PortAudio output index 10 not found/)
    expect(() => resolvePortAudioOutput(WINDOWS, { name: 'Speakers (Realtek(R) Audio)', hostApi: 'ASIO' })).toThrow(
      PortAudioOutputNotFoundError,
    )
    expect(() => resolvePortAudioOutput([], 'default')).toThrow(/the default output not found.*PortAudio lists no output device/)
  })
})
