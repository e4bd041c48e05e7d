/**
 * The PDF report, printed from the HTML report without a network: in the Electron app by
 * Chromium inside Electron (webContents.printToPDF, src/main/api/electron-export-host.ts); under
 * plain Node (browser mode, the CLI) by a Chromium or Chrome found on the machine, headless,
 * with `--print-to-pdf`. The HTML has no scripts and no external URLs, so printing it offline is
 * exact. Without any Chromium the export says so and carries the HTML report alone.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidArgumentError } from '../../core/errors'

export type PdfPrinter = (html: string) => Promise<Uint8Array>

/** Where Chromium and Chrome install on Linux, macOS and Windows; AUSCULTA_CHROMIUM first. */
function chromiumCandidates(): string[] {
  const env = process.env.AUSCULTA_CHROMIUM
  const programFiles = [process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA].filter(
    (p): p is string => typeof p === 'string',
  )
  return [
    ...(env ? [env] : []),
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ...programFiles.map((p) => join(p, 'Google', 'Chrome', 'Application', 'chrome.exe')),
    ...programFiles.map((p) => join(p, 'Microsoft', 'Edge', 'Application', 'msedge.exe')),
  ]
}

export function findChromium(): string | null {
  return chromiumCandidates().find((p) => existsSync(p)) ?? null
}

/** Printing a one-page report takes about a second; a browser that hangs is stopped after this. */
const PRINT_TIMEOUT_MS = 60_000

export function chromiumPdfPrinter(binary: string): PdfPrinter {
  return async (html: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ausculta-pdf-'))
    try {
      const htmlPath = join(dir, 'report.html')
      const pdfPath = join(dir, 'report.pdf')
      writeFileSync(htmlPath, html)
      const args = [
        '--headless=new',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        '--no-pdf-header-footer',
        `--print-to-pdf=${pdfPath}`,
        // Chromium refuses to run as root with its sandbox (containers, CI).
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        pathToFileURL(htmlPath).href,
      ]
      await new Promise<void>((resolve, reject) => {
        const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
        let stderr = ''
        child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
        const timer = setTimeout(() => child.kill('SIGKILL'), PRINT_TIMEOUT_MS)
        child.once('error', (err) => {
          clearTimeout(timer)
          reject(err)
        })
        child.once('exit', (code) => {
          clearTimeout(timer)
          if (code === 0 && existsSync(pdfPath)) resolve()
          else reject(new InvalidArgumentError(`PDF report: ${binary} exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`))
        })
      })
      return new Uint8Array(readFileSync(pdfPath))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The printer plain Node can use, or null (with the reason for the export's notes). */
export function nodePdfPrinter(): PdfPrinter | null {
  const binary = findChromium()
  return binary === null ? null : chromiumPdfPrinter(binary)
}
