/**
 * Electron main process entry. Only window creation lives here; everything else is plain-Node code
 * under src/main/* so that it runs (and is tested) without Electron.
 */
import { app, BrowserWindow, session } from 'electron'
import { join } from 'node:path'
import type { AppService } from './api/app-service'
import { createElectronBackend, registerIpcApi } from './api/electron-api'
import { denyAllPermissions, hardenWebContents } from './security/window-policy'

const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']

function createMainWindow(service: AppService): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    backgroundColor: '#0b0f14',
    title: 'Ausculta',
    show: false,
    // The app window's hardening (Electron's security checklist), written out so that static
    // checkers such as Electronegativity see it; tests/main/security/electron-hardening.test.ts
    // reads it back from this file and checks every setting.
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would open links in new windows (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  })
  window.once('ready-to-show', () => window.show())
  registerIpcApi(service, window, join(__dirname, '../renderer/index.html'), devServerUrl)
  if (devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadFile(join(__dirname, '../renderer/index.html'))
  return window
}

// Every renderer is sandboxed, whatever a window's options say.
app.enableSandbox()
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, devServerUrl))

void app.whenReady().then(async () => {
  denyAllPermissions(session.defaultSession)
  const service = await createElectronBackend()
  createMainWindow(service)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(service)
  })
  app.on('will-quit', () => void service.dispose())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
