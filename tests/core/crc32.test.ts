import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../../src/core/crc32'

const WAV = join(__dirname, '../../samples/50238_MV.wav')

describe('crc32', () => {
  it('gives the standard check value', () => {
    // The CRC-32/ISO-HDLC check value of "123456789" in every CRC catalogue.
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
  })

  it("matches zlib's CRC (Python's binascii) on a real WAV, whole and over a range", () => {
    const bytes = readFileSync(WAV)
    const zlib = (from: number, to: number): number =>
      Number(
        execFileSync('/usr/bin/python3', [
          '-c',
          'import binascii,sys; d=open(sys.argv[1],"rb").read(); print(binascii.crc32(d[int(sys.argv[2]):int(sys.argv[3])]))',
          WAV,
          String(from),
          String(to),
        ]).toString(),
      )
    expect(crc32(bytes)).toBe(zlib(0, bytes.length))
    expect(crc32(bytes, 1000, 5000)).toBe(zlib(1000, 5000))
    expect(crc32(bytes, 1000, 5000)).not.toBe(crc32(bytes, 1001, 5000))
  })
})
