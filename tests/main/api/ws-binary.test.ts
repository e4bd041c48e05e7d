/**
 * Replies carrying samples cross the browser-mode WebSocket as one binary frame: the frame
 * format round-trips (any header length, several arrays, empty arrays), a damaged frame is
 * refused, and on a real server with a real `ws` client such a reply arrives as Float32Arrays
 * equal to what the handler returned, while errors and other replies stay JSON and clients
 * still may not send binary frames.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApiClient, type ApiHandlers } from '../../../src/core/api/contract'
import { createWsClientTransport, type WebSocketLike } from '../../../src/core/api/ws-client'
import { BinaryFrameError, decodeBinaryResponse, encodeBinaryResponse, hasBinaryFields } from '../../../src/core/api/ws-binary'
import { AudioRangeError } from '../../../src/core/sessions/audio-range'
import { attachWsTransport, type WsTransport } from '../../../src/main/api/ws-transport'

const TOKEN = 'a-test-token-of-reasonable-length'

describe('binary response frames', () => {
  it('round-trip Float32Array fields bit for bit, whatever the header length', () => {
    const odd = Float32Array.from([0.1, -1, 1 - 2 ** -24, Number.MIN_VALUE, -0, 3.4e38])
    for (const label of ['', 'x', 'xy', 'xyz', 'é'.repeat(33)]) {
      const frame = encodeBinaryResponse(7, { sessionId: label, samples: odd, minMax: new Float32Array(0), totalFrames: 42 })
      const decoded = decodeBinaryResponse(frame)
      expect(decoded.id).toBe(7)
      expect(decoded.response['sessionId']).toBe(label)
      expect(decoded.response['totalFrames']).toBe(42)
      expect(Array.from(decoded.response['samples'] as Float32Array).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
        Array.from(odd).map((v) => (Object.is(v, -0) ? '-0' : v)),
      )
      expect(decoded.response['minMax']).toEqual(new Float32Array(0))
      // A subarray is sent as itself, not its whole buffer.
      const view = encodeBinaryResponse(1, { samples: odd.subarray(2, 4) })
      expect(decodeBinaryResponse(view).response['samples']).toEqual(odd.subarray(2, 4))
    }
    expect(hasBinaryFields({ samples: new Float32Array(1) })).toBe(true)
    expect(hasBinaryFields({ samples: [1, 2] })).toBe(false)
    expect(hasBinaryFields(null)).toBe(false)
  })

  it('refuses a frame that is cut short or whose header is not a response', () => {
    const frame = encodeBinaryResponse(3, { samples: new Float32Array(100) })
    expect(() => decodeBinaryResponse(frame.subarray(0, 3))).toThrow(BinaryFrameError)
    expect(() => decodeBinaryResponse(frame.subarray(0, frame.length - 4))).toThrow(/field samples: 100 floats at 0 overrun the frame/)
    const huge = frame.slice()
    new DataView(huge.buffer).setUint32(0, 1e9, true)
    expect(() => decodeBinaryResponse(huge)).toThrow(/overruns/)
    const notResponse = new TextEncoder().encode('{"kind":"event"}')
    const bad = new Uint8Array(4 + notResponse.length)
    new DataView(bad.buffer).setUint32(0, notResponse.length, true)
    bad.set(notResponse, 4)
    expect(() => decodeBinaryResponse(bad)).toThrow(/not a successful response/)
  })
})

describe('binary replies on a real server', () => {
  let server: Server
  let port: number
  let transport: WsTransport
  const samples = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 7) * 0.9)

  const handlers = {
    'sessions:audioRange': async ({ id, startFrame, frames }: { id: string; startFrame: number; frames: number }) => {
      if (startFrame + frames > samples.length)
        throw new AudioRangeError(
          `session ${id}: frames ${startFrame}..${startFrame + frames} are outside the recording (0..${samples.length})`,
        )
      return {
        sessionId: id,
        sampleRateHz: 4000,
        totalFrames: samples.length,
        startFrame,
        samples: samples.slice(startFrame, startFrame + frames),
      }
    },
    'recording:mark': async () => ({ timeS: 1.5 }),
  } as unknown as ApiHandlers

  beforeEach(async () => {
    server = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    transport = attachWsTransport({ server, handlers, token: TOKEN, port: () => port, events: { onEvent: () => () => undefined } })
  })

  afterEach(async () => {
    await transport.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  async function connect(): Promise<{
    socket: WebSocket
    api: ReturnType<typeof createApiClient>
    frames: Array<{ binary: boolean; bytes: number }>
  }> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api?token=${TOKEN}`, { origin: `http://127.0.0.1:${port}` })
    const frames: Array<{ binary: boolean; bytes: number }> = []
    socket.on('message', (data: Buffer | ArrayBuffer, binary: boolean) =>
      frames.push({ binary, bytes: data instanceof ArrayBuffer ? data.byteLength : data.length }),
    )
    const client = createWsClientTransport(socket as unknown as WebSocketLike)
    await client.ready
    return { socket, api: createApiClient(client), frames }
  }

  it('sends samples as one binary frame of their own bytes and the client gets them back exactly', async () => {
    const { socket, api, frames } = await connect()
    const range = await api.invoke('sessions:audioRange', { id: 's1', startFrame: 1234, frames: 65_536 })
    expect(range.samples).toBeInstanceOf(Float32Array)
    expect(range.samples).toEqual(samples.subarray(1234, 1234 + 65_536))
    expect(range).toMatchObject({ sessionId: 's1', totalFrames: samples.length, startFrame: 1234 })
    const binary = frames.filter((f) => f.binary)
    expect(binary).toHaveLength(1)
    // 4 bytes per sample and a header of a few dozen bytes: no base64, no JSON numbers.
    expect(binary[0]!.bytes).toBeGreaterThanOrEqual(4 * 65_536)
    expect(binary[0]!.bytes).toBeLessThan(4 * 65_536 + 400)

    // Errors and replies without samples are still JSON text.
    await expect(api.invoke('sessions:audioRange', { id: 's1', startFrame: 99_999, frames: 2 })).rejects.toMatchObject({
      name: 'AudioRangeError',
    })
    await expect(api.invoke('recording:mark', {})).resolves.toEqual({ timeS: 1.5 })
    expect(frames.filter((f) => f.binary)).toHaveLength(1)
    // The contract refuses a bad range before any handler runs.
    await expect(api.invoke('sessions:audioRange', { id: 's1', startFrame: -1, frames: 2 })).rejects.toMatchObject({
      name: 'ApiContractError',
    })
    socket.close()
  })

  it('still closes a client that sends a binary frame (1003) and serves the others', async () => {
    const rude = await connect()
    const polite = await connect()
    const closed = new Promise<number>((resolve) => rude.socket.on('close', (code) => resolve(code)))
    rude.socket.send(encodeBinaryResponse(1, { samples: new Float32Array(4) }))
    expect(await closed).toBe(1003)
    expect((await polite.api.invoke('sessions:audioRange', { id: 's2', startFrame: 0, frames: 10 })).samples).toEqual(
      samples.subarray(0, 10),
    )
    polite.socket.close()
  })
})
