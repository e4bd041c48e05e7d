import { describe, expect, it } from 'vitest'
import {
  CommandLineSplitter,
  encodeCommand,
  formatInfo,
  parseCommand,
  parseInfo,
  SerialCommandError,
} from '../../../src/core/serial/serial-commands'
import { RawInt16Decoder } from '../../../src/core/serial/raw-pcm'
import { readPcm16 } from './pcm-fixture'

describe('serial commands', () => {
  it('splits lines across chunks and accepts CRLF and lower case', () => {
    const splitter = new CommandLineSplitter()
    expect(splitter.push(new TextEncoder().encode('STA'))).toEqual([])
    expect(splitter.push(new TextEncoder().encode('RT\r\ninfo\nST'))).toEqual(['START', 'info'])
    expect(['START', 'info'].map(parseCommand)).toEqual(['START', 'INFO'])
    expect(new TextDecoder().decode(encodeCommand('STOP'))).toBe('STOP\n')
  })

  it('drops over-long garbage lines instead of buffering them', () => {
    const splitter = new CommandLineSplitter()
    expect(splitter.push(new Uint8Array(10_000).fill(0x41))).toEqual([])
    expect(splitter.push(new TextEncoder().encode('\nSTOP\n'))).toEqual(['STOP'])
    expect(splitter.linesDropped).toBe(1)
  })

  it('names the unknown command', () => {
    expect(() => parseCommand('JUMP')).toThrow(SerialCommandError)
    expect(() => parseCommand('JUMP')).toThrow(/"JUMP"/)
  })

  it('round-trips INFO with spaces in the name and extra keys', () => {
    const info = {
      protocolVersion: 1,
      name: 'Ausculta simulator (50238_MV.wav)',
      sampleRateHz: 4000,
      sampleFormat: 's16le',
      channels: 1,
      extra: { frames_sent: '12' },
    }
    expect(parseInfo(formatInfo(info))).toEqual(info)
    expect(() => parseInfo('INFO version=x name=a rate=1 channels=1')).toThrow(/field version "x"/)
  })
})

describe('RawInt16Decoder', () => {
  it('decodes a real recording sent as raw LE int16 in odd chunk sizes, bit-exact', () => {
    const { samples } = readPcm16()
    const bytes = new Uint8Array(samples.length * 2)
    const view = new DataView(bytes.buffer)
    samples.forEach((x, i) => view.setInt16(2 * i, Math.round(x * 32768), true))
    const decoder = new RawInt16Decoder()
    const out: number[] = []
    for (let o = 0; o < bytes.length; o += 333) out.push(...decoder.push(bytes.subarray(o, o + 333)))
    expect(out.length).toBe(samples.length)
    expect(decoder.sampleIndex).toBe(samples.length)
    expect(Float32Array.from(out)).toEqual(samples)
  })
})
