import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../../../src/core/sessions/crc32'

describe('crc32', () => {
  it('gives the standard check value', () => {
    // The CRC-32/ISO-HDLC check value of "123456789" in every CRC catalogue.
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
  })
  it('matches zlib on a real WAV, also when fed in pieces', () => {
    const bytes = readFileSync(join(__dirname, '../../../samples/50238_MV.wav'))
    const zlibCrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32
    if (zlibCrc) expect(crc32(bytes)).toBe(zlibCrc(bytes))
    expect(crc32(bytes.subarray(1000), crc32(bytes.subarray(0, 1000)))).toBe(crc32(bytes))
  })
})
