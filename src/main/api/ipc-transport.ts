/**
 * Electron transport: one ipcMain.handle per contract channel, events pushed to our window only.
 * Every call's sender must be our main window's top frame showing our own renderer (file:// in
 * production, the dev server in development); anything else is refused before the handler runs.
 */
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import { API_CHANNELS, dispatchApiRequest, toWireError, type ApiHandlers, type WireError } from '../../core/api/contract'
import type { ApiEventSource } from './ws-transport'

export interface IpcTransportOptions {
  ipcMain: IpcMain
  handlers: ApiHandlers
  events: ApiEventSource
  window: BrowserWindow
  /** Where our renderer is loaded from: the file:// URL of index.html (exact), or a dev-server origin ending in '/'. */
  allowedUrlPrefixes: string[]
}

/** What an invoke resolves to: errors travel as data so their class name survives IPC. */
export type IpcResult = { ok: true; response: unknown } | { ok: false; error: WireError }

export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>,
  window: BrowserWindow,
  allowedUrlPrefixes: readonly string[],
): boolean {
  if (event.sender.id !== window.webContents.id) return false
  const frame = event.senderFrame
  if (!frame || frame.parent !== null) return false
  let url: URL
  try {
    url = new URL(frame.url)
  } catch {
    return false
  }
  const page = `${url.protocol}//${url.host}${url.pathname}`
  // A page (file:// …/index.html) must match exactly; a dev-server origin ("http://localhost:5173/") covers its paths.
  return allowedUrlPrefixes.some((allowed) => (allowed.endsWith('/') ? page.startsWith(allowed) : page === allowed))
}

export function registerIpcTransport(options: IpcTransportOptions): () => void {
  const { ipcMain, handlers, window } = options
  for (const channel of API_CHANNELS) {
    ipcMain.handle(channel, async (event, request: unknown): Promise<IpcResult> => {
      if (!isTrustedSender(event, window, options.allowedUrlPrefixes)) {
        return { ok: false, error: { name: 'ApiForbiddenError', message: `${channel}: refused a call from an untrusted frame` } }
      }
      try {
        return { ok: true, response: await dispatchApiRequest(handlers, channel, request) }
      } catch (error) {
        return { ok: false, error: toWireError(error) }
      }
    })
  }
  const unsubscribe = options.events.onEvent((channel, payload) => {
    if (!window.isDestroyed()) window.webContents.send(channel, payload)
  })
  return () => {
    unsubscribe()
    for (const channel of API_CHANNELS) ipcMain.removeHandler(channel)
  }
}
