/** The live-listening channels: what listening:set accepts, and what it refuses before any handler runs. */
import { describe, expect, it } from 'vitest'
import { ApiContractError, dispatchApiRequest, parseApiEvent, type ApiHandlers, type ListeningStatus } from '../../../src/core/api/contract'

const status: ListeningStatus = {
  enabled: true,
  muted: false,
  filter: 'diaphragm',
  gainDb: 12,
  outputDeviceId: 'alsa_output.usb-Plantronics_Headset-00.analog-stereo',
  state: 'playing',
  outputDescription: "PortAudio 'pulse' → alsa_output.usb-Plantronics_Headset-00.analog-stereo (live, adaptive jitter buffer)",
  sampleRateHz: 8000,
  targetLatencyMs: 45,
  queuedMs: 31.5,
  underruns: 0,
  recoveries: 0,
  error: null,
}

/** Handlers that count calls and echo the patch into a status. */
function counting(): { handlers: ApiHandlers; patches: unknown[] } {
  const patches: unknown[] = []
  const handlers = {
    'listening:set': async (patch: unknown) => {
      patches.push(patch)
      return { ...status, ...(patch as object) }
    },
    'listening:outputs': async () => ({ devices: [{ id: 'ausculta_sink', name: 'Null Output', isDefault: true }], reason: null }),
  } as unknown as ApiHandlers
  return { handlers, patches }
}

describe('listening channels', () => {
  it('accepts partial settings, a null device (the system default) and sink names as PulseAudio spells them', async () => {
    const { handlers, patches } = counting()
    await expect(dispatchApiRequest(handlers, 'listening:set', { muted: true })).resolves.toMatchObject({ muted: true })
    await expect(dispatchApiRequest(handlers, 'listening:set', { outputDeviceId: null })).resolves.toMatchObject({ outputDeviceId: null })
    await dispatchApiRequest(handlers, 'listening:set', {
      outputDeviceId: 'bluez_sink.00_1B_66_AA_BB_CC.a2dp_sink',
      gainDb: 30,
      filter: 'bell',
    })
    await dispatchApiRequest(handlers, 'listening:set', {})
    expect(patches).toHaveLength(4)
    await expect(dispatchApiRequest(handlers, 'listening:outputs', {})).resolves.toEqual({
      devices: [{ id: 'ausculta_sink', name: 'Null Output', isDefault: true }],
      reason: null,
    })
  })

  it.each([
    [{ gainDb: 31 }, /field 'gainDb'/],
    [{ gainDb: -1 }, /field 'gainDb'/],
    [{ gainDb: Number.NaN }, /field 'gainDb'/],
    [{ filter: 'loud' }, /field 'filter'/],
    [{ muted: 'yes' }, /field 'muted'/],
    // The id becomes PULSE_SINK in the main process: no shell or path characters, not empty.
    [{ outputDeviceId: 'sink; rm -rf /' }, /field 'outputDeviceId'/],
    [{ outputDeviceId: '' }, /field 'outputDeviceId'/],
    [{ outputDeviceId: 'x'.repeat(257) }, /field 'outputDeviceId'/],
    // Strict: a misspelt key is an error, not silently ignored.
    [{ volume: 0.5 }, /listening:set request/],
  ])('refuses %j with a typed error naming the field, before the handler runs', async (request, message) => {
    const { handlers, patches } = counting()
    const call = dispatchApiRequest(handlers, 'listening:set', request)
    await expect(call).rejects.toBeInstanceOf(ApiContractError)
    await expect(dispatchApiRequest(handlers, 'listening:set', request)).rejects.toThrow(message)
    expect(patches).toHaveLength(0)
  })

  it('checks the status event: a lost device carries its code, an unknown state is refused', () => {
    const lost = {
      ...status,
      state: 'failed',
      outputDescription: null,
      error: { name: 'AudioOutputLostError', message: 'output device lost', code: 'device-lost' },
    }
    expect(parseApiEvent('event:listening', lost)).toEqual(lost)
    expect(() => parseApiEvent('event:listening', { ...status, state: 'exploded' })).toThrow(/event:listening event: field 'state'/)
    expect(() => parseApiEvent('event:listening', { ...status, underruns: -1 })).toThrow(/field 'underruns'/)
  })
})
