/**
 * A client that asks and never reads (issue 20, item 4): it sends requests over a raw WebSocket
 * with its reading paused, holds still, then reads again to learn how the server closed it.
 * Measures the server's memory around it (Linux /proc).
 */
import type { BrowserModeProcess } from './browser-mode-process'
import { encodeFrame, OPCODE, openRawWebSocket } from './raw-websocket'

export interface SlowReaderOutcome {
  rssBeforeBytes: number
  /** The server's peak resident memory (VmHWM) at the end: an upper bound of what the attack cost. */
  peakRssBytes: number
  bytesSent: number
  /** Requests the server had not taken off the wire when the client gave up sending (backpressure). */
  unsent: number
  /** The close code the client read after resuming; null when there was none. */
  closeCode: number | null
  /** Whether the connection was over when the client stopped waiting (with or without a close frame). */
  ended: boolean
  /** Bytes of server frames the client read in all. */
  bytesReceived: number
  /** The text replies, for checks on what the server echoed. */
  messages: string[]
}

/** A masked text frame carrying `{ id, channel, request }`. */
export function requestFrame(id: number, channel: string, request: unknown = {}): Buffer {
  return encodeFrame({ opcode: OPCODE.text, payload: Buffer.from(JSON.stringify({ id, channel, request })) })
}

export async function runSlowReader(
  server: BrowserModeProcess,
  options: { frames: Buffer[]; holdMs: number; closeTimeoutMs?: number },
): Promise<SlowReaderOutcome> {
  const raw = await openRawWebSocket(server.port, server.token)
  raw.pauseReading()
  const rssBeforeBytes = server.memory().rssBytes
  const started = Date.now()
  let bytesSent = 0
  let sent = 0
  for (const frame of options.frames) {
    if (raw.socket.destroyed || Date.now() - started > options.holdMs) break
    bytesSent += frame.length
    sent++
    if (!raw.socket.write(frame)) {
      // The server stopped taking requests off the wire: wait, but not past the hold time.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          raw.socket.off('drain', done).off('close', done)
          resolve()
        }
        const timer = setTimeout(done, Math.max(0, options.holdMs - (Date.now() - started)))
        raw.socket.on('drain', done).on('close', done)
      })
    }
  }
  const left = options.holdMs - (Date.now() - started)
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  raw.resumeReading()
  let ended = false
  const closeCode = await Promise.race([
    raw.closed.then((code) => ((ended = true), code)),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), options.closeTimeoutMs ?? 15_000)),
  ])
  const peakRssBytes = server.memory().peakRssBytes
  raw.destroy()
  return {
    rssBeforeBytes,
    peakRssBytes,
    bytesSent,
    unsent: options.frames.length - sent,
    closeCode,
    ended,
    bytesReceived: raw.receivedBytes(),
    messages: raw.messages,
  }
}
