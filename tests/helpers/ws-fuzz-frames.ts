/**
 * What the WebSocket fuzz test throws at browser mode: well-formed requests to read-only
 * channels, garbage requests, and frames that break RFC 6455 in every way a client can (see
 * tests/main/browser/ws-fuzz.test.ts). Each generator is a pure function of the PRNG, so a seed
 * replays the same frames.
 *
 * Channels that change state (recording:stop, monitor:stop, settings:update, sessions:edit, …)
 * are left out on purpose: a client holding the token may stop a recording, and that is not a
 * robustness failure. Garbage sent to them would be refused anyway; the generators below never
 * name them with a valid request.
 */
import { closePayload, encodeFrame, OPCODE, type FrameSpec } from './raw-websocket'
import type { SeededRandom } from './seeded-random'

export const MAX_PAYLOAD = 1024 * 1024 // ws-transport's WS_MAX_PAYLOAD_BYTES

/** Read-only channels and a request each accepts (ids may name the seeded session or nothing). */
function readOnlyRequest(random: SeededRandom, sessionId: string): { channel: string; request: unknown } {
  const id = random.chance(0.7) ? sessionId : random.pick(['', 'nope', '../../etc/passwd', 'x'.repeat(random.int(1, 5000))])
  return random.pick([
    { channel: 'app:info', request: {} },
    { channel: 'devices:list', request: {} },
    { channel: 'monitor:status', request: {} },
    { channel: 'model:summary', request: {} },
    { channel: 'model:list', request: {} },
    { channel: 'settings:get', request: {} },
    { channel: 'recording:status', request: {} },
    { channel: 'listening:status', request: {} },
    { channel: 'sessions:list', request: random.chance(0.5) ? {} : { text: random.bytes(random.int(0, 300)).toString('latin1') } },
    { channel: 'sessions:get', request: { id } },
    { channel: 'sessions:audio', request: { id } },
  ])
}

/** A payload size: mostly small, sometimes large, now and then over maxPayload. */
function payloadSize(random: SeededRandom): number {
  const r = random.next()
  if (r < 0.7) return random.int(0, 200)
  if (r < 0.9) return random.int(200, 70_000)
  if (r < 0.97) return random.int(70_000, MAX_PAYLOAD)
  return random.int(MAX_PAYLOAD + 1, MAX_PAYLOAD + 100_000)
}

/** Large payloads are a repeated byte (valid or invalid UTF-8): generating megabytes byte by byte would slow the fuzzer, not the server. */
function payload(random: SeededRandom, size: number): Buffer {
  return size <= 4096 ? random.bytes(size) : Buffer.alloc(size, random.pick([0x61, 0x7b, 0xff, 0x00, 0xc3]))
}

function randomJson(random: SeededRandom, depth = 0): unknown {
  const r = random.int(0, depth > 2 ? 3 : 5)
  if (r === 0) return random.int(-1e9, 1e9) * (random.chance(0.5) ? 1 : 1e-3)
  if (r === 1) return random.bytes(random.int(0, 40)).toString('latin1')
  if (r === 2) return random.pick([null, true, false, -1, 1e308, '__proto__', 'constructor'])
  if (r === 3) return {}
  if (r === 4) return Array.from({ length: random.int(0, 5) }, () => randomJson(random, depth + 1))
  return Object.fromEntries(
    Array.from({ length: random.int(0, 5) }, () => [
      random.pick(['id', 'channel', 'request', '__proto__', 'x', 'kind']),
      randomJson(random, depth + 1),
    ]),
  )
}

export type FrameKind =
  | 'valid-request'
  | 'fragmented-request'
  | 'garbage-request'
  | 'random-json'
  | 'random-text'
  | 'binary'
  | 'ping'
  | 'pong'
  | 'close'
  | 'reserved-opcode'
  | 'rsv-bits'
  | 'unmasked'
  | 'oversize'
  | 'control-too-long'
  | 'fragmented-control'
  | 'orphan-continuation'
  | 'interleaved-data'
  | 'raw-garbage'

/** One fuzz step: the bytes to write, and what kind of step it was (for the tally). */
export function fuzzFrame(random: SeededRandom, sessionId: string): { kind: FrameKind; bytes: Buffer } {
  const frame = (kind: FrameKind, ...specs: FrameSpec[]): { kind: FrameKind; bytes: Buffer } => ({
    kind,
    bytes: Buffer.concat(specs.map(encodeFrame)),
  })
  const text = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))
  const id = random.int(0, 2 ** 31)
  const r = random.int(0, 17)
  switch (r) {
    case 0:
    case 1:
    case 2:
      return frame('valid-request', { opcode: OPCODE.text, payload: text({ id, ...readOnlyRequest(random, sessionId) }) })
    case 3: {
      const whole = text({ id, ...readOnlyRequest(random, sessionId) })
      const cut = random.int(1, Math.max(1, whole.length - 1))
      return frame(
        'fragmented-request',
        { opcode: OPCODE.text, payload: whole.subarray(0, cut), fin: false },
        { opcode: OPCODE.continuation, payload: whole.subarray(cut) },
      )
    }
    case 4:
      // A channel that does not exist, of any length (the error must not echo it).
      return frame('garbage-request', {
        opcode: OPCODE.text,
        payload: text({ id, channel: 'c'.repeat(random.int(0, 500_000)), request: randomJson(random) }),
      })
    case 5:
      return frame('random-json', { opcode: OPCODE.text, payload: text(randomJson(random)) })
    case 6:
      return frame('random-text', { opcode: OPCODE.text, payload: payload(random, payloadSize(random)) })
    case 7:
      return frame('binary', { opcode: OPCODE.binary, payload: payload(random, payloadSize(random)) })
    case 8:
      return frame('ping', { opcode: OPCODE.ping, payload: random.bytes(random.int(0, 125)) })
    case 9:
      return frame('pong', { opcode: OPCODE.pong, payload: random.bytes(random.int(0, 125)) })
    case 10: {
      const code = random.pick([random.int(0, 5000), 999, 1000, 1001, 1004, 1005, 1006, 1015, 1016, 2999, 3000, 4999, 5000, 65535])
      const body = random.chance(0.1)
        ? Buffer.from([random.int(0, 255)])
        : Buffer.concat([closePayload(code), random.bytes(random.int(0, 30))])
      return frame('close', { opcode: OPCODE.close, payload: body.subarray(0, 125) })
    }
    case 11:
      return frame('reserved-opcode', {
        opcode: random.pick([0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]),
        payload: random.bytes(random.int(0, 100)),
      })
    case 12:
      return frame('rsv-bits', { opcode: OPCODE.text, rsv: random.int(1, 7), payload: text({ id, channel: 'app:info', request: {} }) })
    case 13:
      return frame('unmasked', {
        opcode: random.pick([OPCODE.text, OPCODE.binary, OPCODE.ping, OPCODE.close]),
        mask: false,
        payload: random.bytes(random.int(0, 100)),
      })
    case 14:
      return frame('oversize', {
        opcode: random.pick([OPCODE.text, OPCODE.binary]),
        declaredLength: random.pick([MAX_PAYLOAD + 1, 2 ** 32, 2 ** 53 - 1]),
      })
    case 15:
      return frame('control-too-long', {
        opcode: random.pick([OPCODE.ping, OPCODE.pong, OPCODE.close]),
        payload: random.bytes(random.int(126, 1000)),
      })
    case 16:
      return random.chance(0.5)
        ? frame('fragmented-control', { opcode: random.pick([OPCODE.ping, OPCODE.pong, OPCODE.close]), fin: false })
        : frame('orphan-continuation', { opcode: OPCODE.continuation, payload: random.bytes(random.int(0, 100)) })
    default:
      return random.chance(0.5)
        ? frame(
            'interleaved-data',
            { opcode: OPCODE.text, payload: Buffer.from('{"id":'), fin: false },
            { opcode: random.pick([OPCODE.text, OPCODE.binary]), payload: Buffer.from('1}') },
          )
        : { kind: 'raw-garbage', bytes: random.bytes(random.int(1, 2000)) }
  }
}

/** Bytes that are not a valid upgrade to /api: wrong token, junk, half a request, a target URL cannot parse, huge headers. */
export function junkHandshake(random: SeededRandom, port: number, token: string): Buffer {
  const key = 'dGhlIHNhbXBsZSBub25jZQ=='
  const upgrade = (target: string, extra = ''): string =>
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: ` +
    `Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  return Buffer.from(
    random.pick([
      upgrade('/api?token=wrong'),
      upgrade('http://['),
      upgrade(`/api?token=${encodeURIComponent(token)}`).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99'),
      upgrade(`/api?token=${encodeURIComponent(token)}`).replace(`Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Key: x'),
      upgrade(`/api?token=${encodeURIComponent(token)}`).slice(0, random.int(1, 120)),
      upgrade(`/api?token=${encodeURIComponent(token)}`, `X-Junk: ${'j'.repeat(random.int(1000, 40_000))}\r\n`),
      random.bytes(random.int(1, 3000)).toString('latin1'),
    ]),
    'latin1',
  )
}
