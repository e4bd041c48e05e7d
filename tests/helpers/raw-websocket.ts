/**
 * A WebSocket client written by hand over a net.Socket, for tests that must send what no library
 * would: unmasked frames, reserved opcodes, RSV bits, invalid UTF-8, lying lengths, bad close
 * codes. It performs a real upgrade handshake (token, Host, Origin) and parses the server's frames,
 * so a test can read replies and, above all, the close code the server chose.
 * 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const

export interface FrameSpec {
  opcode: number
  payload?: Buffer
  /** Default true. */
  fin?: boolean
  /** RSV1..RSV3 as bits 4..6 of the first byte: 0b100 = RSV1. */
  rsv?: number
  /** Clients must mask; false sends an unmasked frame (a protocol error from a client). */
  mask?: boolean
  /** A length to announce instead of the payload's (oversize announcements need no payload). */
  declaredLength?: number
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? Buffer.alloc(0)
  const length = spec.declaredLength ?? payload.length
  const mask = spec.mask ?? true
  const first = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f)
  let header: Buffer
  if (length < 126) {
    header = Buffer.from([first, (mask ? 0x80 : 0) | length])
  } else if (length < 65536) {
    header = Buffer.alloc(4)
    header[0] = first
    header[1] = (mask ? 0x80 : 0) | 126
    header.writeUInt16BE(length, 2)
  } else {
    header = Buffer.alloc(10)
    header[0] = first
    header[1] = (mask ? 0x80 : 0) | 127
    header.writeBigUInt64BE(BigInt(length), 2)
  }
  if (!mask) return Buffer.concat([header, payload])
  const key = randomBytes(4)
  const masked = Buffer.alloc(payload.length)
  for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (key[i & 3] as number)
  return Buffer.concat([header, key, masked])
}

export function closePayload(code: number, reason = ''): Buffer {
  const out = Buffer.alloc(2 + Buffer.byteLength(reason))
  out.writeUInt16BE(code, 0)
  out.write(reason, 2)
  return out
}

export interface ServerFrame {
  opcode: number
  payload: Buffer
}

/** Splits the server's byte stream into frames (server frames are unmasked). */
class FrameParser {
  private chunks: Buffer[] = []
  private total = 0
  /** Bytes needed before parsing can go on: chunks are joined only then (a 6-MB frame arrives in ~100 of them). */
  private need = 2

  push(chunk: Buffer): ServerFrame[] {
    this.chunks.push(chunk)
    this.total += chunk.length
    if (this.total < this.need) return []
    let buffer = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks)
    const frames: ServerFrame[] = []
    for (;;) {
      const header = FrameParser.header(buffer)
      if (!header || buffer.length < header.offset + header.length) {
        // A known length waits for the whole frame; an incomplete header is retried on any new byte.
        this.need = header ? header.offset + header.length : buffer.length + 1
        break
      }
      frames.push({ opcode: (buffer[0] as number) & 0x0f, payload: buffer.subarray(header.offset, header.offset + header.length) })
      buffer = buffer.subarray(header.offset + header.length)
    }
    this.chunks = buffer.length > 0 ? [buffer] : []
    this.total = buffer.length
    return frames
  }

  /** Payload offset and length, or null while the header is incomplete. */
  private static header(buffer: Buffer): { offset: number; length: number } | null {
    if (buffer.length < 2) return null
    const length = (buffer[1] as number) & 0x7f
    if (length < 126) return { offset: 2, length }
    if (length === 126) return buffer.length < 4 ? null : { offset: 4, length: buffer.readUInt16BE(2) }
    return buffer.length < 10 ? null : { offset: 10, length: Number(buffer.readBigUInt64BE(2)) }
  }
}

export interface RawWebSocket {
  readonly socket: Socket
  send(spec: FrameSpec): void
  /** Writes bytes as they are (a frame cut in half, garbage). */
  sendBytes(bytes: Buffer): void
  /** A well-formed masked text frame. */
  sendText(text: string): void
  /** Text messages the server sent so far. */
  readonly messages: string[]
  /** Bytes of server frames received so far. */
  receivedBytes(): number
  /**
   * Resolves with the server's close code (1005 for a close frame without one) once its close
   * frame arrives, or null if the connection ended without one.
   */
  readonly closed: Promise<number | null>
  /** Stops reading from the socket (the kernel buffers fill, then the server's). */
  pauseReading(): void
  resumeReading(): void
  destroy(): void
}

/** Opens a connection and completes the upgrade to /api with the token; rejects on any other answer. */
export function openRawWebSocket(port: number, token: string, options: { timeoutMs?: number } = {}): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const parser = new FrameParser()
    const messages: string[] = []
    let received = 0
    let handshake = Buffer.alloc(0)
    let upgraded = false
    let settleClosed: (code: number | null) => void = () => undefined
    const closed = new Promise<number | null>((done) => (settleClosed = done))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('raw WebSocket: no upgrade answer in time'))
    }, options.timeoutMs ?? 10_000)

    const onFrames = (frames: ServerFrame[]): void => {
      for (const frame of frames) {
        received += frame.payload.length
        if (frame.opcode === OPCODE.text) messages.push(frame.payload.toString('utf8'))
        if (frame.opcode === OPCODE.close) {
          settleClosed(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005)
          // Answer like a client would, then leave.
          if (!socket.destroyed) socket.end(encodeFrame({ opcode: OPCODE.close, payload: frame.payload.subarray(0, 2) }))
        }
      }
    }
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return onFrames(parser.push(chunk))
      handshake = Buffer.concat([handshake, chunk])
      const end = handshake.indexOf('\r\n\r\n')
      if (end < 0) return
      clearTimeout(timer)
      const head = handshake.subarray(0, end).toString('latin1')
      if (!/^HTTP\/1\.1 101 /.test(head)) {
        socket.destroy()
        return reject(new Error(`raw WebSocket: upgrade refused: ${head.split('\r\n')[0]}`))
      }
      upgraded = true
      const rest = handshake.subarray(end + 4)
      resolve(api)
      if (rest.length > 0) onFrames(parser.push(rest))
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      settleClosed(null)
      if (!upgraded) reject(new Error('raw WebSocket: connection closed during the handshake'))
    })
    socket.on('connect', () => {
      socket.write(
        `GET /api?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ` +
          `${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      )
    })
    const write = (bytes: Buffer): void => {
      if (!socket.destroyed && socket.writable) socket.write(bytes)
    }
    const api: RawWebSocket = {
      socket,
      send: (spec) => write(encodeFrame(spec)),
      sendBytes: write,
      sendText: (text) => write(encodeFrame({ opcode: OPCODE.text, payload: Buffer.from(text) })),
      messages,
      receivedBytes: () => received,
      closed,
      pauseReading: () => socket.pause(),
      resumeReading: () => socket.resume(),
      destroy: () => socket.destroy(),
    }
  })
}
