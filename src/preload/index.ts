/**
 * Exposes one typed API object (`window.ausculta`) to the renderer and nothing else. It is the
 * contract's client over IPC, so responses and events are validated here before the page sees them.
 */
import { contextBridge, ipcRenderer } from 'electron'
import {
  ApiRemoteError,
  API_EVENT_CHANNELS,
  createApiClient,
  type ApiEventChannel,
  type AuscultaApi,
  type WireError,
} from '../core/api/contract'

const api: AuscultaApi = createApiClient({
  async invoke(channel, request) {
    const result = (await ipcRenderer.invoke(channel, request)) as { ok: true; response: unknown } | { ok: false; error: WireError }
    if (!result.ok) throw new ApiRemoteError(result.error)
    return result.response
  },
  subscribe(channel: ApiEventChannel, listener) {
    if (!API_EVENT_CHANNELS.includes(channel)) throw new Error(`unknown event channel ${channel}`)
    const wrapped = (_event: unknown, payload: unknown): void => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => {
      ipcRenderer.removeListener(channel, wrapped)
    }
  },
})

export type AuscultaPreloadApi = AuscultaApi

// contextBridge copies plain objects; expose the two methods explicitly.
contextBridge.exposeInMainWorld('ausculta', {
  invoke: api.invoke.bind(api),
  on: api.on.bind(api),
  mode: 'electron',
})
