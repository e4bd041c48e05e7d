/**
 * Browser-mode transport: the API contract over one WebSocket at /api on the browser server.
 * The handshake must carry the session token (query `token`), an Origin of this very server and
 * a loopback Host, so that neither another web page nor a DNS-rebinding attacker can reach the
 * API even though it listens on 127.0.0.1.
 *
 * Nothing a client sends may take the process down (it runs the live monitor, the alarms and the
 * recorder): every socket and every connection has an 'error' listener, a protocol error closes
 * that one connection with the code `ws` chose (1002, 1007, 1009), and per-connection flow
 * control (ws-flow-control.ts) bounds what a client can make the server hold.
 *
 * Replies carrying samples (sessions:audioRange, sessions:peaks) go out as one binary frame
 * (ws-binary.ts); everything else, and every error, as JSON text. Clients may send text only.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import {
  API_EVENT_CHANNELS,
  dispatchApiRequest,
  toWireError,
  wsClientMessageSchema,
  type ApiEventChannel,
  type ApiHandlers,
  type WsServerMessage,
} from '../../core/api/contract'
import { encodeBinaryResponse, hasBinaryFields } from '../../core/api/ws-binary'
import { ConnectionFlow, DEFAULT_FLOW_LIMITS, type FlowLimits } from './ws-flow-control'

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
  /** Per-connection limits on queued requests and unread output (defaults: DEFAULT_FLOW_LIMITS). */
  flowLimits?: Partial<FlowLimits>
}

/** The largest frame a client may send: requests are small JSON objects. */
export const WS_MAX_PAYLOAD_BYTES = 1024 * 1024

export interface WsTransport {
  readonly clientCount: number
  close(): Promise<void>
}

/** Why a handshake is refused, or null when it is accepted. */
export function checkWsHandshake(
  request: Pick<IncomingMessage, 'url' | 'headers'>,
  token: string,
  port: number,
  extraHosts: readonly string[] = [],
): string | null {
  const hosts = ['127.0.0.1', 'localhost', ...extraHosts].map((name) => `${name}:${port}`)
  const host = request.headers.host
  if (host === undefined || !hosts.includes(host)) return `unexpected Host ${JSON.stringify(host)}`
  const origin = request.headers.origin
  if (origin === undefined || !hosts.some((allowed) => origin === `http://${allowed}`)) return `unexpected Origin ${JSON.stringify(origin)}`
  let url: URL
  try {
    url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`)
  } catch {
    return 'malformed request target' // e.g. "http://[": new URL throws, and a throw here would be uncaught
  }
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

/** A text frame's bytes, whichever form `ws` delivered them in. */
function frameBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
}

export function attachWsTransport(options: WsTransportOptions): WsTransport {
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024
  const flowLimits: FlowLimits = { ...DEFAULT_FLOW_LIMITS, ...options.flowLimits }
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD_BYTES })
  // With noServer the server itself has no socket to fail, but an 'error' event without a
  // listener is a crash, so it gets one like everything else here.
  wss.on('error', () => undefined)
  const clients = new Map<WebSocket, ConnectionFlow>()

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Node's HTTP server drops its own 'error' listener from a socket it hands over for an
    // upgrade: a reset during the handshake or the refusal would otherwise be uncaught.
    socket.on('error', () => socket.destroy())
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
    for (const [ws, flow] of clients) {
      if (ws.readyState !== ws.OPEN) continue
      // Strip-chart chunks are the only high-rate stream and are worthless late; everything else must arrive.
      const isPcg = (payload as { type?: unknown } | null)?.type === 'pcg'
      if (isPcg && ws.bufferedAmount > maxBufferedBytes) continue
      ws.send(text)
      flow.afterSend()
    }
  })

  /** One request frame: parse, dispatch, reply. Never rejects (flow control counts on it). */
  const handleRequest = async (ws: WebSocket, flow: ConnectionFlow, data: Buffer): Promise<void> => {
    let parsed
    try {
      parsed = wsClientMessageSchema.parse(JSON.parse(data.toString('utf8')))
    } catch {
      if (ws.readyState === ws.OPEN) ws.close(1007, 'malformed request frame')
      return
    }
    const { id, channel, request } = parsed
    let reply: WsServerMessage
    let binary: Uint8Array | null = null
    try {
      const response = await dispatchApiRequest(options.handlers, channel, request)
      reply = { kind: 'response', id, ok: true, response }
      if (hasBinaryFields(response)) binary = encodeBinaryResponse(id, response as Record<string, unknown>)
    } catch (error) {
      reply = { kind: 'response', id, ok: false, error: toWireError(error) }
    }
    if (binary) {
      if (ws.readyState === ws.OPEN) ws.send(binary, { binary: true })
    } else send(ws, reply)
    flow.afterSend()
  }

  wss.on('connection', (ws: WebSocket) => {
    const flow: ConnectionFlow = new ConnectionFlow(ws, (data: Buffer): Promise<void> => handleRequest(ws, flow, data), flowLimits)
    clients.set(ws, flow)
    // A protocol error (invalid UTF-8, oversize or unmasked frame, reserved opcode or RSV bit, bad
    // close code): ws has already sent the close frame with the matching code (1002, 1007, 1009)
    // when it emits this, and it ends the connection. Only that connection: without this
    // listener the event would be an uncaught exception and end the process.
    ws.on('error', () => flow.dispose())
    ws.on('close', () => {
      flow.dispose()
      clients.delete(ws)
    })
    ws.on('message', (data, isBinary) => {
      if (ws.readyState !== ws.OPEN) return // closing: nothing more is answered
      if (isBinary) {
        ws.close(1003, 'text frames only')
        return
      }
      flow.accept(frameBytes(data))
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
        for (const [ws, flow] of clients) {
          flow.dispose()
          ws.terminate()
        }
        wss.close(() => resolve())
      }),
  }
}
