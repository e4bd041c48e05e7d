/**
 * The client half of the browser-mode transport: requests as numbered JSON frames, responses
 * matched by id, events fanned out per channel. Works with the browser's WebSocket and with the
 * `ws` package (tests), through the small structural type below.
 */
import { ApiRemoteError, isApiEventChannel, type ApiChannel, type ApiEventChannel, type ApiTransport, type WireError } from './contract'
import { decodeBinaryResponse } from './ws-binary'

export interface WebSocketLike {
  readonly readyState: number
  /** Set to 'arraybuffer' so binary replies (samples, peaks) arrive as bytes, not Blobs. */
  binaryType?: string
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

export class ApiConnectionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ApiConnectionError'
  }
}

const OPEN = 1

export interface WsClientTransport extends ApiTransport {
  /** Resolves once the socket is open; rejects if it closes first (e.g. the server refused the token). */
  readonly ready: Promise<void>
  close(): void
  onClose(listener: () => void): void
}

export function createWsClientTransport(socket: WebSocketLike, requestTimeoutMs = 30_000): WsClientTransport {
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>()
  const listeners = new Map<ApiEventChannel, Set<(payload: unknown) => void>>()
  const closeListeners: Array<() => void> = []
  let closed = false

  // Browsers default to Blob, `ws` to Buffer: one form for the binary replies.
  if ('binaryType' in socket) socket.binaryType = 'arraybuffer'
  const ready = new Promise<void>((resolve, reject) => {
    if (socket.readyState === OPEN) resolve()
    socket.addEventListener('open', () => resolve())
    socket.addEventListener('close', () =>
      reject(new ApiConnectionError('the API connection closed before it opened (refused token or origin?)')),
    )
  })
  // Callers that never await `ready` must not see an unhandled rejection.
  ready.catch(() => undefined)

  socket.addEventListener('close', () => {
    closed = true
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer)
      entry.reject(new ApiConnectionError(`request ${id}: the API connection closed`))
    }
    pending.clear()
    for (const listener of closeListeners) listener()
  })

  socket.addEventListener('message', (event) => {
    if (event.data instanceof ArrayBuffer || ArrayBuffer.isView(event.data)) {
      const bytes =
        event.data instanceof ArrayBuffer
          ? new Uint8Array(event.data)
          : new Uint8Array(event.data.buffer, event.data.byteOffset, event.data.byteLength)
      let decoded
      try {
        decoded = decodeBinaryResponse(bytes)
      } catch {
        return
      }
      const entry = pending.get(decoded.id)
      if (!entry) return
      pending.delete(decoded.id)
      clearTimeout(entry.timer)
      entry.resolve(decoded.response)
      return
    }
    if (typeof event.data !== 'string') return
    let message: { kind?: unknown; id?: unknown; ok?: unknown; response?: unknown; error?: WireError; channel?: unknown; payload?: unknown }
    try {
      message = JSON.parse(event.data) as typeof message
    } catch {
      return
    }
    if (message.kind === 'response' && typeof message.id === 'number') {
      const entry = pending.get(message.id)
      if (!entry) return
      pending.delete(message.id)
      clearTimeout(entry.timer)
      if (message.ok === true) entry.resolve(message.response)
      else entry.reject(new ApiRemoteError(message.error ?? { name: 'Error', message: 'unknown error' }))
    } else if (message.kind === 'event' && isApiEventChannel(message.channel)) {
      for (const listener of listeners.get(message.channel) ?? []) listener(message.payload)
    }
  })

  return {
    ready,
    async invoke(channel: ApiChannel, request: unknown): Promise<unknown> {
      await ready
      if (closed || socket.readyState !== OPEN) throw new ApiConnectionError(`${channel}: the API connection is closed`)
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new ApiConnectionError(`${channel}: no answer within ${requestTimeoutMs} ms`))
        }, requestTimeoutMs)
        pending.set(id, { resolve, reject, timer })
        socket.send(JSON.stringify({ id, channel, request }))
      })
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel)
      if (!set) listeners.set(channel, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
    close: () => socket.close(1000, 'client closed'),
    onClose: (listener) => closeListeners.push(listener),
  }
}
