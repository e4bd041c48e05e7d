/**
 * Issue 20, item 1: one malformed WebSocket frame from a client holding the token used to kill
 * browser mode (the connection had no 'error' listener, so `ws` threw an uncaught exception).
 * Here each malformed frame goes over a real socket, after a valid upgrade and a valid request, to
 * a browser-mode server in its own process that is recording the demo stream; a second client
 * watches. The offending connection must be closed with the code RFC 6455 names for the fault and
 * everything else must go on: the process, the other client, the HR events, the recording.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { startBrowserModeProcess } from '../../helpers/browser-mode-process'
import { closePayload, OPCODE, openRawWebSocket, type FrameSpec } from '../../helpers/raw-websocket'
import { startRecordingWitness } from '../../helpers/recording-witness'
import { testTempDir } from '../../helpers/temp-dir'

const MAX_PAYLOAD = 1024 * 1024 // ws-transport's maxPayload
const text = (s: string): Buffer => Buffer.from(s)

/** Each case: the frames sent, and the close code the server must answer with. */
const CASES: Array<{ name: string; frames: FrameSpec[]; code: number }> = [
  { name: 'invalid UTF-8 in a text frame', frames: [{ opcode: OPCODE.text, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }], code: 1007 },
  { name: 'a frame over maxPayload', frames: [{ opcode: OPCODE.text, declaredLength: MAX_PAYLOAD + 1 }], code: 1009 },
  { name: 'an unmasked frame', frames: [{ opcode: OPCODE.text, payload: text('{}'), mask: false }], code: 1002 },
  { name: 'reserved data opcode 0x3', frames: [{ opcode: 0x3, payload: text('x') }], code: 1002 },
  { name: 'reserved control opcode 0xB', frames: [{ opcode: 0xb }], code: 1002 },
  { name: 'RSV1 set (no extension negotiated)', frames: [{ opcode: OPCODE.text, payload: text('{}'), rsv: 0b100 }], code: 1002 },
  { name: 'RSV2 and RSV3 set', frames: [{ opcode: OPCODE.text, payload: text('{}'), rsv: 0b011 }], code: 1002 },
  { name: 'close code 999', frames: [{ opcode: OPCODE.close, payload: closePayload(999) }], code: 1002 },
  { name: 'close code 1005 (must never be sent)', frames: [{ opcode: OPCODE.close, payload: closePayload(1005) }], code: 1002 },
  { name: 'a close frame with a 1-byte body', frames: [{ opcode: OPCODE.close, payload: Buffer.from([0x03]) }], code: 1002 },
  {
    name: 'a close reason in invalid UTF-8',
    frames: [{ opcode: OPCODE.close, payload: Buffer.concat([closePayload(1000), Buffer.from([0xff, 0xfe])]) }],
    code: 1007,
  },
  { name: 'a fragmented ping', frames: [{ opcode: OPCODE.ping, fin: false }], code: 1002 },
  { name: 'a ping over 125 bytes', frames: [{ opcode: OPCODE.ping, payload: Buffer.alloc(126) }], code: 1002 },
  { name: 'a continuation with no message to continue', frames: [{ opcode: OPCODE.continuation, payload: text('x') }], code: 1002 },
  {
    name: 'a new text frame inside a fragmented message',
    frames: [
      { opcode: OPCODE.text, payload: text('{"id":'), fin: false },
      { opcode: OPCODE.text, payload: text('1}') },
    ],
    code: 1002,
  },
  // Well-formed frames the API does not accept: its own codes.
  { name: 'a binary frame', frames: [{ opcode: OPCODE.binary, payload: Buffer.from([1, 2, 3]) }], code: 1003 },
  { name: 'text that is not JSON', frames: [{ opcode: OPCODE.text, payload: text('{not json') }], code: 1007 },
  { name: 'JSON that is not a request', frames: [{ opcode: OPCODE.text, payload: text('{"id":-1}') }], code: 1007 },
]

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))])
}

describe('browser mode: malformed WebSocket frames', () => {
  it('close only the offending connection, with 1002/1007/1009, while a recording and the live monitor go on', async () => {
    const dataDir = testTempDir('ausculta-ws-malformed-')
    const server = await startBrowserModeProcess({ dataDir, rendererDir: testTempDir('ausculta-ws-renderer-') })
    onTestFinished(() => server.stop())
    const witness = await startRecordingWitness(server, dataDir)

    const results: Array<{ name: string; code: number | null }> = []
    for (const { name, frames } of CASES) {
      const raw = await openRawWebSocket(server.port, server.token)
      // The connection works before the fault: a request gets its answer.
      raw.sendText(JSON.stringify({ id: 1, channel: 'app:info', request: {} }))
      await within(
        new Promise<void>((resolve) => {
          const poll = setInterval(() => raw.messages.some((m) => m.includes('"kind":"response"')) && (clearInterval(poll), resolve()), 10)
        }),
        5000,
        `${name}: no answer to a valid request`,
      )
      for (const frame of frames) raw.send(frame)
      const code = await within(raw.closed, 5000, `${name}: the server did not close the connection`)
      raw.destroy()
      results.push({ name, code })
      // The server answers the other client after each fault: it is alive and serving.
      const answered = await within(witness.connection.api.invoke('recording:status', {}), 5000, 'recording:status').then(
        () => true,
        () => false,
      )
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 500)) // let a dying process's exit be seen
      expect(server.exitStatus(), `after ${name}: the server process ended:\n${server.stderr()}`).toBeNull()
      expect(answered, `after ${name}: the other client got no answer`).toBe(true)
    }
    expect(results).toEqual(CASES.map(({ name, code }) => ({ name, code })))

    // A few more seconds of monitoring after the last fault, then the recording is checked whole.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const outcome = await witness.finish()
    expect(outcome.windowEvents).toBeGreaterThanOrEqual(Math.floor(outcome.wallS) - 1)
    expect(server.stderr()).not.toMatch(/Uncaught|RangeError|Invalid WebSocket frame/)
  })
})
