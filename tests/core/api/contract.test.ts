import { describe, expect, it } from 'vitest'
import {
  API_CHANNELS,
  API_EVENTS,
  API_METHODS,
  ApiContractError,
  createApiClient,
  decodeFloat32Base64,
  encodeFloat32Base64,
  dispatchApiRequest,
  MAX_WIRE_ERROR_MESSAGE_CHARS,
  parseApiEvent,
  parseApiRequest,
  toWireError,
  type ApiHandlers,
} from '../../../src/core/api/contract'
import { DEFAULT_MONITOR_SETTINGS, MAX_STOP_DETAIL_CHARS, type WindowEvent } from '../../../src/core/monitor/monitor-events'

/** A window event as the engine emits it (shape from src/core/monitor/monitor-events.ts). */
const windowEvent: WindowEvent = {
  type: 'window',
  seq: 3,
  sourceId: 'demo:50238_MV.wav',
  windowStartS: 0,
  windowEndS: 5,
  latencyMs: 4.2,
  modelId: 'ausculta-encoder',
  hrBpm: 70.4,
  confidence: 0.81,
  layers: [{ index: 0, name: 'conv1', hrBpm: 71, confidence: 0.4, validationMaeBpm: 3.1 }],
  classical: { hrBpm: 69.9, quality: 0.7 },
  level: { rmsDbfs: -30, peakDbfs: -12, clippedShare: 0 },
  flags: [],
  display: { hrBpm: 70.2, state: 'reliable' },
  droppedWindows: 0,
}

describe('API contract', () => {
  it('names every channel <area>:<verb> and gives each a request and a response schema', () => {
    for (const channel of API_CHANNELS) {
      expect(channel).toMatch(/^[a-z]+:[a-zA-Z]+$/)
      // Every request is an object: a bare value is refused, naming the channel and never echoing the value.
      expect(() => parseApiRequest(channel, 'rm -rf /')).toThrow(new RegExp(`^${channel} request: field '\\(root\\)'`))
      expect(() => parseApiRequest(channel, 'rm -rf /')).not.toThrow(/rm -rf/)
    }
    expect(Object.keys(API_EVENTS).every((c) => c.startsWith('event:'))).toBe(true)
  })

  it('accepts the engine’s own window event and the default settings unchanged', () => {
    expect(parseApiEvent('event:monitor', windowEvent)).toEqual(windowEvent)
    const response = API_METHODS['settings:get'].response.parse({
      monitor: DEFAULT_MONITOR_SETTINGS,
      modelPath: null,
      executionProvider: 'auto',
      dataDir: '/tmp/x',
    })
    expect(response.monitor).toEqual(DEFAULT_MONITOR_SETTINGS)
  })

  it('keeps the beat-level reading when the engine sends one', () => {
    const beats = {
      source: 'segmentation',
      s1OnsetsS: [0.2, 1.05, 1.9],
      s2OnsetsS: [0.5, 1.35],
      intervalsS: [0.85, 0.85],
      irregularity: null,
      irregular: false,
    }
    expect(parseApiEvent('event:monitor', { ...windowEvent, beats })).toEqual({ ...windowEvent, beats })
  })

  it('carries why the stream stopped (the screen says it), and refuses an unknown reason or an unbounded detail', () => {
    const status = {
      type: 'status',
      state: 'stopped',
      sourceId: 'demo:broken.wav',
      modelId: null,
      executionProvider: null,
      droppedWindows: 0,
      analysedWindows: 0,
    }
    for (const stopReason of [
      { kind: 'stopped' },
      { kind: 'switching' },
      { kind: 'source-failed', detail: 'broken.wav: not a RIFF file' },
    ]) {
      expect(parseApiEvent('event:monitor', { ...status, stopReason })).toEqual({ ...status, stopReason })
      expect(API_METHODS['monitor:stop'].response.parse({ ...status, stopReason })).toEqual({ ...status, stopReason })
    }
    // Older engines send none: still a valid status.
    expect(parseApiEvent('event:monitor', status)).toEqual(status)
    expect(() => parseApiEvent('event:monitor', { ...status, stopReason: { kind: 'unplugged' } })).toThrow(/field 'stopReason.kind'/)
    expect(() =>
      parseApiEvent('event:monitor', { ...status, stopReason: { kind: 'source-failed', detail: 'x'.repeat(MAX_STOP_DETAIL_CHARS + 1) } }),
    ).toThrow(/stopReason.detail/)
  })

  it('rejects a window event with a non-finite HR, naming the field', () => {
    expect(() => parseApiEvent('event:monitor', { ...windowEvent, hrBpm: Number.NaN })).toThrow(/event:monitor event: field 'hrBpm'/)
  })

  it('refuses unknown channels and bad requests before the handler runs', async () => {
    let calls = 0
    const handlers = { 'devices:select': async () => (calls++, {}) } as unknown as ApiHandlers
    await expect(dispatchApiRequest(handlers, 'fs:readFile', {})).rejects.toThrow(/^unknown channel$/)
    await expect(dispatchApiRequest(handlers, '__proto__', {})).rejects.toBeInstanceOf(ApiContractError)
    await expect(dispatchApiRequest(handlers, 'devices:select', { id: 42 })).rejects.toThrow(/devices:select request: field 'id'/)
    await expect(dispatchApiRequest(handlers, 'monitor:status', { extra: true })).rejects.toThrow(/monitor:status request/)
    expect(calls).toBe(0)
  })

  it('never echoes request text into an error, and bounds every error that crosses the wire', async () => {
    const handlers = {} as ApiHandlers
    const long = 'x'.repeat(100_000)
    const unknown = await dispatchApiRequest(handlers, long, {}).catch((error: Error) => error)
    expect((unknown as Error).message).toBe('unknown channel')
    const extraKey = await dispatchApiRequest(handlers, 'monitor:status', { [long]: 1 }).catch((error: Error) => error)
    expect((extraKey as Error).message).toBe("monitor:status request: field '(root)': 1 unrecognized key(s)")
    const wire = toWireError(new Error(`session ${long}: no such session`))
    expect(wire.message.length).toBeLessThanOrEqual(MAX_WIRE_ERROR_MESSAGE_CHARS)
    expect(wire.message.startsWith('session xxx')).toBe(true)
  })

  it('refuses a handler response that breaks the contract (the backend cannot leak a wrong shape)', async () => {
    const handlers = { 'recording:mark': async () => ({ timeS: 'soon' }) } as unknown as ApiHandlers
    await expect(dispatchApiRequest(handlers, 'recording:mark', {})).rejects.toThrow(/recording:mark response: field 'timeS'/)
  })

  it('fills request defaults and validates on the client side too', async () => {
    const seen: unknown[] = []
    const client = createApiClient({
      async invoke(channel, request) {
        seen.push([channel, request])
        return channel === 'recording:mark' ? { timeS: 1.5 } : { nonsense: true }
      },
      subscribe: () => () => undefined,
    })
    await expect(client.invoke('recording:mark', {})).resolves.toEqual({ timeS: 1.5 })
    expect(seen[0]).toEqual(['recording:mark', { label: 'mark' }])
    await expect(client.invoke('monitor:status', {})).rejects.toThrow(/monitor:status response/)
  })

  it('carries session audio as base64 float32 bit-exactly, and refuses a length mismatch', () => {
    const samples = Float32Array.from([0, -1, 1, 0.5, -0.25, 1e-7, 0.333333])
    const text = encodeFloat32Base64(samples)
    expect(decodeFloat32Base64(text, samples.length)).toEqual(samples)
    expect(() => decodeFloat32Base64(text, samples.length + 1)).toThrow(/28 bytes of audio for 8 frames/)
  })

  it('drops an invalid event on the client and reports it instead of passing it on', () => {
    let emit: (payload: unknown) => void = () => undefined
    const errors: string[] = []
    const client = createApiClient({ invoke: async () => ({}), subscribe: (_c, l) => ((emit = l), () => undefined) }, (e) =>
      errors.push(e.message),
    )
    const received: unknown[] = []
    client.on('event:monitor', (e) => received.push(e))
    emit(windowEvent)
    emit({ type: 'window', seq: -1 })
    expect(received).toHaveLength(1)
    expect(errors[0]).toMatch(/event:monitor event/)
  })
})
