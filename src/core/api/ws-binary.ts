/**
 * Responses carrying samples (sessions:audioRange, sessions:peaks) over the browser-mode
 * WebSocket: one binary frame instead of JSON, so float32 samples cross as their own bytes (not
 * 10+ characters of JSON number each, nor base64 that both ends must transcode).
 *
 * Frame: u32 LE header length · header (UTF-8 JSON: the response message with each top-level
 * Float32Array field replaced by {"$f32": [byteOffset, length]}) · zero padding to a multiple of
 * 4 · the arrays' bytes (little-endian float32, each at a 4-byte aligned offset from the payload).
 * Only the server sends these; the server refuses binary frames from clients.
 */
import type { WsServerMessage } from './contract'

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f

interface BinaryRef {
  $f32: [number, number]
}

function isBinaryRef(value: unknown): value is BinaryRef {
  if (typeof value !== 'object' || value === null || !('$f32' in value)) return false
  const ref = (value as { $f32: unknown }).$f32
  return Array.isArray(ref) && ref.length === 2 && ref.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
}

/** Whether a response has fields that must travel as a binary frame. */
export function hasBinaryFields(response: unknown): boolean {
  return typeof response === 'object' && response !== null && Object.values(response).some((v) => v instanceof Float32Array)
}

function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i] as number, true)
  return bytes
}

/** One successful response, with its Float32Array fields as raw bytes. */
export function encodeBinaryResponse(id: number, response: Record<string, unknown>): Uint8Array {
  const fields: Record<string, unknown> = {}
  const arrays: Uint8Array[] = []
  let payloadBytes = 0
  for (const [key, value] of Object.entries(response)) {
    if (value instanceof Float32Array) {
      fields[key] = { $f32: [payloadBytes, value.length] } satisfies BinaryRef
      const bytes = float32Bytes(value)
      arrays.push(bytes)
      payloadBytes += bytes.length
    } else fields[key] = value
  }
  const header = new TextEncoder().encode(JSON.stringify({ kind: 'response', id, ok: true, response: fields } satisfies WsServerMessage))
  const payloadStart = Math.ceil((4 + header.length) / 4) * 4
  const frame = new Uint8Array(payloadStart + payloadBytes)
  new DataView(frame.buffer).setUint32(0, header.length, true)
  frame.set(header, 4)
  let at = payloadStart
  for (const bytes of arrays) {
    frame.set(bytes, at)
    at += bytes.length
  }
  return frame
}

export class BinaryFrameError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BinaryFrameError'
  }
}

/** The response message in a binary frame, its arrays rebuilt as Float32Arrays (copies it owns). */
export function decodeBinaryResponse(frame: Uint8Array): { id: number; response: Record<string, unknown> } {
  if (frame.length < 4) throw new BinaryFrameError(`binary frame of ${frame.length} bytes has no header`)
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const headerBytes = view.getUint32(0, true)
  if (4 + headerBytes > frame.length)
    throw new BinaryFrameError(`binary frame header of ${headerBytes} bytes overruns the ${frame.length}-byte frame`)
  const message = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + headerBytes))) as {
    kind?: unknown
    id?: unknown
    ok?: unknown
    response?: unknown
  }
  if (
    message.kind !== 'response' ||
    typeof message.id !== 'number' ||
    message.ok !== true ||
    typeof message.response !== 'object' ||
    message.response === null
  ) {
    throw new BinaryFrameError('binary frame header is not a successful response')
  }
  const payloadStart = Math.ceil((4 + headerBytes) / 4) * 4
  const response: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(message.response as Record<string, unknown>)) {
    if (!isBinaryRef(value)) {
      response[key] = value
      continue
    }
    const [offset, length] = value.$f32
    const start = payloadStart + offset
    if (start + 4 * length > frame.length) throw new BinaryFrameError(`field ${key}: ${length} floats at ${offset} overrun the frame`)
    const out = new Float32Array(length)
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(frame.subarray(start, start + 4 * length))
    else for (let i = 0; i < length; i++) out[i] = view.getFloat32(start + 4 * i, true)
    response[key] = out
  }
  return { id: message.id, response }
}
