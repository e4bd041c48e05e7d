/**
 * The one call the Electron entry makes: build the backend and serve the contract over IPC to
 * `window`. Kept out of src/main/index.ts so that file stays about window creation only.
 */
import { app, ipcMain, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AppService } from './app-service'
import { createBackend } from './create-backend'
import { registerIpcTransport } from './ipc-transport'

/** Must run before the window loads its page, so the renderer's first call finds its handler. */
export async function registerIpcApi(window: BrowserWindow, rendererIndexHtml: string, devServerUrl?: string): Promise<AppService> {
  const service = await createBackend({ mode: 'electron', appRoot: app.getAppPath(), dataDir: join(app.getPath('userData'), 'data') })
  const allowedUrlPrefixes = [pathToFileURL(rendererIndexHtml).href]
  if (!app.isPackaged && devServerUrl) allowedUrlPrefixes.push(new URL(devServerUrl).origin + '/')
  const unregister = registerIpcTransport({ ipcMain, handlers: service.handlers, events: service, window, allowedUrlPrefixes })
  window.on('closed', () => {
    unregister()
    void service.dispose()
  })
  return service
}
