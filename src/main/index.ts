/**
 * Electron main process entry. Only window creation lives here; everything else is plain-Node code
 * under src/main/* so that it runs (and is tested) without Electron.
 */
import { app, BrowserWindow, ipcMain, session } from 'electron'
import { join } from 'node:path'

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    backgroundColor: '#0b0f14',
    title: 'Ausculta',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  window.once('ready-to-show', () => window.show())
  // The app never shows remote content: block navigation and new windows outright.
  window.webContents.on('will-navigate', (event) => event.preventDefault())
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))

  const devServerUrl = process.env['ELECTRON_RENDERER_URL']
  if (!app.isPackaged && devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadFile(join(__dirname, '../renderer/index.html'))
  return window
}

void app.whenReady().then(() => {
  // Microphone access is handled in the main process; the renderer needs no permissions.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ipcMain.handle('app:version', () => app.getVersion())
  createMainWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
