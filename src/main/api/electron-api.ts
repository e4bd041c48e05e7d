/**
 * What the Electron entry calls: build the backend once, and serve the contract over IPC to each
 * main window. Kept out of src/main/index.ts so that file stays about window creation only.
 */
import { app, ipcMain, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AppService } from './app-service'
import { createBackend } from './create-backend'
import { electronExportHost } from './electron-export-host'
import { registerIpcTransport } from './ipc-transport'

export function createElectronBackend(): Promise<AppService> {
  return createBackend({
    mode: 'electron',
    appRoot: app.getAppPath(),
    dataDir: join(app.getPath('userData'), 'data'),
    exportHost: electronExportHost(),
  })
}

/**
 * Must run before the window loads its page, so the renderer's first call finds its handler.
 * Only our page may call: the file:// URL of the built renderer or, unpackaged, the dev server.
 */
export function registerIpcApi(service: AppService, window: BrowserWindow, rendererIndexHtml: string, devServerUrl?: string): void {
  const allowedUrlPrefixes = [pathToFileURL(rendererIndexHtml).href]
  if (!app.isPackaged && devServerUrl) allowedUrlPrefixes.push(new URL(devServerUrl).origin + '/')
  const unregister = registerIpcTransport({ ipcMain, handlers: service.handlers, events: service, window, allowedUrlPrefixes })
  window.on('closed', unregister)
}
