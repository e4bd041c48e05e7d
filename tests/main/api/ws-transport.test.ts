/**
 * The browser-mode transport on a real HTTP server and real WebSocket clients (package `ws`):
 * requests round-trip and keep their error class, events fan out, and the handshake refuses a
 * wrong token, a foreign Origin and a foreign Host.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApiClient, type ApiEventChannel, type ApiHandlers } from '../../../src/core/api/contract'
import { createWsClientTransport, type WebSocketLike } from '../../../src/core/api/ws-client'
import { InvalidArgumentError } from '../../../src/core/errors'
import { attachWsTransport, checkWsHandshake, type WsTransport } from '../../../src/main/api/ws-transport'

const TOKEN = 'a-test-token-of-reasonable-length'

let server: Server
let port: number
let transport: WsTransport
const eventListeners = new Set<(channel: ApiEventChannel, payload: unknown) => void>()

const handlers = {
  'recording:mark': async ({ label }: { label: string }) => {
    if (label === 'bad') throw new InvalidArgumentError('mark: label "bad" refused')
    return { timeS: 2.5 }
  },
} as unknown as ApiHandlers

beforeEach(async () => {
  server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  transport = attachWsTransport({
    server,
    handlers,
    token: TOKEN,
    port: () => port,
    events: { onEvent: (l) => (eventListeners.add(l), () => eventListeners.delete(l)) },
  })
})

afterEach(async () => {
  await transport.close()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function connect(options: { token?: string; origin?: string; host?: string } = {}): WebSocket {
  const token = options.token ?? TOKEN
  return new WebSocket(`ws://127.0.0.1:${port}/api?token=${encodeURIComponent(token)}`, {
    origin: options.origin ?? `http://127.0.0.1:${port}`,
    headers: options.host ? { Host: options.host } : {},
  })
}

/** Resolves with the HTTP status of a refused handshake, or 101 when it opened. */
function handshakeStatus(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    socket.on('open', () => {
      socket.close()
      resolve(101)
    })
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    socket.on('error', () => undefined)
  })
}

describe('WebSocket transport', () => {
  it('round-trips a request, keeps the backend’s error class name, and delivers events', async () => {
    const socket = connect()
    const client = createApiClient(createWsClientTransport(socket as unknown as WebSocketLike))
    await expect(client.invoke('recording:mark', { label: 'ok' })).resolves.toEqual({ timeS: 2.5 })
    await expect(client.invoke('recording:mark', { label: 'bad' })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      message: 'mark: label "bad" refused',
    })
    // A channel the server has no handler for still answers (with an error), it does not hang.
    await expect(client.invoke('monitor:status', {})).rejects.toThrow()
    const got = new Promise((resolve) => client.on('event:recording', resolve))
    for (const l of eventListeners) l('event:recording', { recording: true, sessionId: 's1', elapsedS: 1, markers: 0 })
    await expect(got).resolves.toEqual({ recording: true, sessionId: 's1', elapsedS: 1, markers: 0 })
    socket.close()
  })

  it('refuses a wrong or missing token with 403', async () => {
    expect(await handshakeStatus(connect({ token: 'wrong' }))).toBe(403)
    expect(await handshakeStatus(connect({ token: '' }))).toBe(403)
    expect(await handshakeStatus(connect())).toBe(101)
  })

  it('refuses a foreign Origin (another web page in the same browser) with 403', async () => {
    expect(await handshakeStatus(connect({ origin: 'http://evil.example' }))).toBe(403)
    expect(await handshakeStatus(connect({ origin: `http://127.0.0.1:${port + 1}` }))).toBe(403)
  })

  it('refuses a foreign Host (DNS rebinding) with 403', async () => {
    expect(await handshakeStatus(connect({ host: `evil.example:${port}` }))).toBe(403)
  })

  it('closes the socket on a malformed frame instead of crashing the server', async () => {
    const socket = connect()
    await new Promise((resolve) => socket.on('open', resolve))
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
    socket.send('{not json')
    expect(await closed).toBe(1007)
    expect(await handshakeStatus(connect())).toBe(101)
  })

  it('checks the path too', () => {
    const headers = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` }
    expect(checkWsHandshake({ url: `/api?token=${TOKEN}`, headers }, TOKEN, port)).toBeNull()
    expect(checkWsHandshake({ url: `/other?token=${TOKEN}`, headers }, TOKEN, port)).toMatch(/path/)
    // A request target new URL() cannot parse is refused, not thrown (a throw in 'upgrade' is uncaught).
    expect(checkWsHandshake({ url: 'http://[', headers }, TOKEN, port)).toMatch(/malformed/)
  })
})
