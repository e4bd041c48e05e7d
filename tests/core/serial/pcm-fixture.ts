/**
 * Test fixture: the int16 samples of a real CirCor recording. Deliberately minimal (finds the
 * 'data' chunk of a PCM WAV) so the serial tests do not depend on the WAV reader under test
 * elsewhere.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const SAMPLE_WAV = join(__dirname, '../../../samples/50238_MV.wav')

export function readPcm16(path: string = SAMPLE_WAV): { sampleRateHz: number; samples: Float32Array } {
  const bytes = readFileSync(path)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 12
  let sampleRateHz = 0
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4)
    const size = view.getUint32(offset + 4, true)
    if (id === 'fmt ') sampleRateHz = view.getUint32(offset + 12, true)
    if (id === 'data') {
      const count = Math.floor(Math.min(size, bytes.length - offset - 8) / 2)
      const samples = new Float32Array(count)
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(offset + 8 + 2 * i, true) / 32768
      return { sampleRateHz, samples }
    }
    offset += 8 + size + (size & 1)
  }
  throw new Error(`${path}: no data chunk`)
}
