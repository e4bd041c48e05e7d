/**
 * Host → device commands of the Ausculta serial protocol: ASCII lines ending in "\n" ("\r\n"
 * accepted) so that firmware can parse them with strcmp. Device → host replies travel as text
 * frames (see serial-frame.ts) so they survive the same corruption checks as audio.
 */
import { FormatError } from '../errors'

export type SerialCommand = 'START' | 'STOP' | 'INFO'
export const SERIAL_COMMANDS: readonly SerialCommand[] = ['START', 'STOP', 'INFO']
/** Longer lines are garbage (line noise, a wrong baud rate): dropped, not buffered forever. */
export const MAX_COMMAND_LINE_BYTES = 64

export class SerialCommandError extends FormatError {}

export function encodeCommand(command: SerialCommand): Uint8Array {
  return new TextEncoder().encode(`${command}\n`)
}

export function parseCommand(line: string): SerialCommand {
  const word = line.trim().toUpperCase()
  if ((SERIAL_COMMANDS as readonly string[]).includes(word)) return word as SerialCommand
  throw new SerialCommandError(
    `serial command: unknown command ${JSON.stringify(line.slice(0, MAX_COMMAND_LINE_BYTES))} (expected ${SERIAL_COMMANDS.join(', ')})`,
  )
}

/** Splits a byte stream into command lines; over-long lines are discarded and counted. */
export class CommandLineSplitter {
  private line: number[] = []
  private overlong = false
  linesDropped = 0

  push(bytes: Uint8Array): string[] {
    const lines: string[] = []
    for (const byte of bytes) {
      if (byte === 0x0a) {
        if (this.overlong) this.linesDropped += 1
        else lines.push(String.fromCharCode(...this.line).replace(/\r$/, ''))
        this.line = []
        this.overlong = false
      } else if (this.line.length >= MAX_COMMAND_LINE_BYTES) {
        this.overlong = true
      } else {
        this.line.push(byte)
      }
    }
    return lines
  }
}

/** What a device says about itself in reply to INFO: `INFO key=value key=value ...`. */
export interface DeviceInfo {
  protocolVersion: number
  name: string
  sampleRateHz: number
  sampleFormat: string
  channels: number
  /** any further keys, verbatim */
  extra: Record<string, string>
}

export function formatInfo(info: DeviceInfo): string {
  const pairs: Array<[string, string]> = [
    ['version', String(info.protocolVersion)],
    ['name', info.name],
    ['rate', String(info.sampleRateHz)],
    ['format', info.sampleFormat],
    ['channels', String(info.channels)],
    ...Object.entries(info.extra),
  ]
  return 'INFO ' + pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(' ')
}

export function parseInfo(text: string): DeviceInfo {
  if (!text.startsWith('INFO '))
    throw new SerialCommandError(`serial INFO reply: expected 'INFO key=value ...', got ${JSON.stringify(text.slice(0, 80))}`)
  const fields = new Map<string, string>()
  for (const pair of text.slice(5).trim().split(/\s+/)) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new SerialCommandError(`serial INFO reply: field ${JSON.stringify(pair)} is not key=value`)
    let value: string
    try {
      value = decodeURIComponent(pair.slice(eq + 1))
    } catch {
      throw new SerialCommandError(
        `serial INFO reply: field ${pair.slice(0, eq)} has bad percent-encoding ${JSON.stringify(pair.slice(eq + 1))}`,
      )
    }
    fields.set(pair.slice(0, eq), value)
  }
  const int = (key: string): number => {
    const raw = fields.get(key)
    const value = Number(raw)
    if (raw === undefined || !Number.isInteger(value) || value < 0)
      throw new SerialCommandError(`serial INFO reply: field ${key} ${JSON.stringify(raw)} is not a non-negative integer`)
    return value
  }
  const info: DeviceInfo = {
    protocolVersion: int('version'),
    name: fields.get('name') ?? '',
    sampleRateHz: int('rate'),
    sampleFormat: fields.get('format') ?? 's16le',
    channels: int('channels'),
    extra: {},
  }
  for (const [key, value] of fields) if (!['version', 'name', 'rate', 'format', 'channels'].includes(key)) info.extra[key] = value
  return info
}
