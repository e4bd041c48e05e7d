/**
 * Electron hardening in one place (Electron's security checklist): the renderer is sandboxed,
 * isolated and Node-free; it shows only our own bundled pages; it never navigates, opens windows,
 * embeds webviews or gets permissions; and nothing it does can reach the network or the shell.
 * Type-only Electron imports keep this module loadable under plain Node for the tests.
 */
import type { Session, WebContents } from 'electron'

/** Pages our windows may show: the bundled renderer (file://) or the dev server in development. */
export function isAllowedAppUrl(url: string, devServerUrl: string | undefined): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'file:') return true
  if (devServerUrl) {
    const dev = new URL(devServerUrl)
    return parsed.origin === dev.origin
  }
  return false
}

/** Blocks navigation, new windows and webviews for every web contents the app creates. */
export function hardenWebContents(contents: WebContents, devServerUrl: string | undefined): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedAppUrl(url, devServerUrl) || url !== contents.getURL()) event.preventDefault()
  })
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  // No new windows, and no handing URLs to the OS shell (shell.openExternal is never used).
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

/**
 * Audio is captured in the main process through PortAudio, so the renderer needs no permission at
 * all: microphone, camera, notifications, geolocation, … are all refused.
 */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}
