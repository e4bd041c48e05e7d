/**
 * The IPC sender check, on the plain shapes Electron passes (no Electron binary exists here):
 * only our window's top frame showing our own page may call the API.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron'
import { isTrustedSender } from '../../../src/main/api/ipc-transport'

const OUR_PAGE = 'file:///opt/Ausculta/resources/app.asar/out/renderer/index.html'
const window = { webContents: { id: 7 } } as unknown as BrowserWindow

function event(senderId: number, url: string, parent: unknown = null): Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'> {
  return { sender: { id: senderId }, senderFrame: { url, parent } } as unknown as Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>
}

describe('isTrustedSender', () => {
  it('accepts our window’s top frame on our page', () => {
    expect(isTrustedSender(event(7, OUR_PAGE), window, [OUR_PAGE])).toBe(true)
    expect(isTrustedSender(event(7, `${OUR_PAGE}#/sessions`), window, [OUR_PAGE])).toBe(true)
  })

  it('refuses another webContents, a subframe and a foreign URL', () => {
    expect(isTrustedSender(event(8, OUR_PAGE), window, [OUR_PAGE])).toBe(false)
    expect(isTrustedSender(event(7, OUR_PAGE, { url: OUR_PAGE }), window, [OUR_PAGE])).toBe(false)
    expect(isTrustedSender(event(7, 'https://evil.example/'), window, [OUR_PAGE])).toBe(false)
    expect(isTrustedSender(event(7, 'file:///tmp/evil.html'), window, [OUR_PAGE])).toBe(false)
    expect(isTrustedSender(event(7, `${OUR_PAGE}.evil.html`), window, [OUR_PAGE])).toBe(false)
  })

  it('accepts any path of the dev server in development, nothing of another port', () => {
    expect(isTrustedSender(event(7, 'http://localhost:5173/index.html'), window, [OUR_PAGE, 'http://localhost:5173/'])).toBe(true)
    expect(isTrustedSender(event(7, 'http://localhost:5174/'), window, [OUR_PAGE, 'http://localhost:5173/'])).toBe(false)
  })

  it('refuses a destroyed frame (Electron passes null)', () => {
    const gone = { sender: { id: 7 }, senderFrame: null } as unknown as Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>
    expect(isTrustedSender(gone, window, [OUR_PAGE])).toBe(false)
  })
})
