/**
 * Browser-mode transport: the API contract over one WebSocket at /api on the browser server.
 * The handshake must carry the session token (query `token`), an Origin of this very server and
 * a loopback Host, so that neither another web page nor a DNS-rebinding attacker can reach the
 * API even though it listens on 127.0.0.1.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  API_EVENT_CHANNELS,
  dispatchApiRequest,
  toWireError,
  wsClientMessageSchema,
  type ApiEventChannel,
  type ApiHandlers,
  type WsServerMessage,
} from '../../core/api/contract'

export const WS_API_PATH = '/api'

/** Where events come from: the app service's fan-out. */
export interface ApiEventSource {
  onEvent(listener: (channel: ApiEventChannel, payload: unknown) => void): () => void
}

export interface WsTransportOptions {
  server: Server
  handlers: ApiHandlers
  events: ApiEventSource
  token: string
  /** The port the server listens on (Host and Origin must name it). */
  port: () => number
  /** Extra host names the server answers to (only with an explicit `--listen` address). */
  extraHosts?: readonly string[]
  /** Above this many buffered bytes a slow client skips strip-chart chunks rather than grow memory. */
  maxBufferedBytes?: number
}

export interface WsTransport {
  readonly clientCount: number
  close(): Promise<void>
}

/** Why a handshake is refused, or null when it is accepted. */
export function checkWsHandshake(request: Pick<IncomingMessage, 'url' | 'headers'>, token: string, port: number, extraHosts: readonly string[] = []): string | null {
  const hosts = ['127.0.0.1', 'localhost', ...extraHosts].map((name) => `${name}:${port}`)
  const host = request.headers.host
  if (host === undefined || !hosts.includes(host)) return `unexpected Host ${JSON.stringify(host)}`
  const origin = request.headers.origin
  if (origin === undefined || !hosts.some((allowed) => origin === `http://${allowed}`)) return `unexpected Origin ${JSON.stringify(origin)}`
  const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`)
  if (url.pathname !== WS_API_PATH) return `unexpected path ${JSON.stringify(url.pathname)}`
  const given = Buffer.from(url.searchParams.get('token') ?? '')
  const expected = Buffer.from(token)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'wrong or missing token'
  return null
}

function refuse(socket: Duplex, reason: string): void {
  socket.write(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`)
  socket.destroy()
}

export function attachWsTransport(options: WsTransportOptions): WsTransport {
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
  const clients = new Set<WebSocket>()

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const reason = checkWsHandshake(request, options.token, options.port(), options.extraHosts ?? [])
    if (reason !== null) {
      refuse(socket, reason)
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
  }
  options.server.on('upgrade', onUpgrade)

  const send = (ws: WebSocket, message: WsServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
  }

  const unsubscribe = options.events.onEvent((channel, payload) => {
    if (!API_EVENT_CHANNELS.includes(channel)) return
    const text = JSON.stringify({ kind: 'event', channel, payload } satisfies WsServerMessage)
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue
      // Strip-chart chunks are the only high-rate stream and are worthless late; everything else must arrive.
      const isPcg = (payload as { type?: unknown } | null)?.type === 'pcg'
      if (isPcg && ws.bufferedAmount > maxBufferedBytes) continue
      ws.send(text)
    }
  })

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only')
        return
      }
      let parsed
      try {
        parsed = wsClientMessageSchema.parse(JSON.parse(data.toString()))
      } catch {
        ws.close(1007, 'malformed request frame')
        return
      }
      const { id, channel, request } = parsed
      dispatchApiRequest(options.handlers, channel, request).then(
        (response) => send(ws, { kind: 'response', id, ok: true, response }),
        (error: unknown) => send(ws, { kind: 'response', id, ok: false, error: toWireError(error) }),
      )
    })
  })

  return {
    get clientCount() {
      return clients.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe()
        options.server.off('upgrade', onUpgrade)
        for (const ws of clients) ws.terminate()
        wss.close(() => resolve())
      }),
  }
}
