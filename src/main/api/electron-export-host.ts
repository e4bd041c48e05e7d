/**
 * Exports in the Electron app: a save dialog for where a file goes, the file manager to show it,
 * and the PDF report printed by Electron's own Chromium (an offscreen window, no network, no
 * scripts: the report is static HTML).
 */
import { BrowserWindow, dialog, shell } from 'electron'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ExportHost } from './session-exchange'

const FILTERS: Readonly<Record<string, { name: string; extensions: string[] }>> = {
  '.zip': { name: 'Zip archive', extensions: ['zip'] },
  '.pdf': { name: 'PDF report', extensions: ['pdf'] },
  '.html': { name: 'HTML report', extensions: ['html'] },
  '.txt': { name: 'Audacity labels', extensions: ['txt'] },
  '.tsv': { name: 'CirCor segmentation', extensions: ['tsv'] },
}

async function printPdf(html: string): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'ausculta-report-'))
  // A window for static HTML only (no script at all), hardened as the app window is (src/main/index.ts).
  const window = new BrowserWindow({
    show: false,
    webPreferences: {
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      disableBlinkFeatures: 'Auxclick',
    },
  })
  try {
    const file = join(dir, 'report.html')
    writeFileSync(file, html)
    await window.loadURL(pathToFileURL(file).href)
    const pdf = await window.webContents.printToPDF({ landscape: true, pageSize: 'A4', printBackground: true, preferCSSPageSize: true })
    return new Uint8Array(pdf)
  } finally {
    window.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}

export function electronExportHost(): ExportHost {
  return {
    async chooseSavePath(defaultName) {
      const focused = BrowserWindow.getFocusedWindow()
      const filter = FILTERS[extname(defaultName)]
      const options = { defaultPath: defaultName, filters: filter ? [filter] : [] }
      const result = focused ? await dialog.showSaveDialog(focused, options) : await dialog.showSaveDialog(options)
      return result.canceled || !result.filePath ? null : result.filePath
    },
    showInFolder(path) {
      shell.showItemInFolder(path)
    },
    printPdf,
  }
}
