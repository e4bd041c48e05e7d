/**
 * The renderer's one API object, over whichever transport exists: the preload's `window.ausculta`
 * in Electron, else a WebSocket to the browser-mode server (token from the page's own URL).
 * Either way it is the contract's typed client, validating responses and events.
 */
import { createApiClient, type AuscultaApi } from '../../../core/api/contract'
import { createWsClientTransport, type WebSocketLike } from '../../../core/api/ws-client'

declare global {
  interface Window {
    ausculta?: AuscultaApi & { mode?: string }
  }
}

export interface ConnectedApi {
  api: AuscultaApi
  mode: 'electron' | 'browser'
  /** Called when the backend goes away (browser mode: the server stopped). */
  onDisconnect(listener: () => void): void
}

export async function connectApi(): Promise<ConnectedApi> {
  if (window.ausculta) return { api: window.ausculta, mode: 'electron', onDisconnect: () => undefined }
  const token = new URLSearchParams(window.location.search).get('token') ?? ''
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  const socket = new WebSocket(`${scheme}://${window.location.host}/api?token=${encodeURIComponent(token)}`)
  const transport = createWsClientTransport(socket as unknown as WebSocketLike)
  await transport.ready
  const api = createApiClient(transport, (error) => console.warn(error.message))
  return { api, mode: 'browser', onDisconnect: (listener) => transport.onClose(listener) }
}
