/**
 * The simplest DIY device: a microcontroller writing raw little-endian int16 mono samples at a
 * rate the user states. No framing, so no loss detection: a dropped byte would swap the byte
 * order of everything after it, which is why the framed protocol exists.
 */
export class RawInt16Decoder {
  private carry: number | undefined
  private samplesDecoded = 0

  /** per-channel samples decoded so far; the index of the next sample */
  get sampleIndex(): number {
    return this.samplesDecoded
  }

  push(bytes: Uint8Array): Float32Array {
    const total = bytes.length + (this.carry === undefined ? 0 : 1)
    const out = new Float32Array(total >> 1)
    let b = 0
    let o = 0
    if (this.carry !== undefined && bytes.length > 0) {
      out[o++] = toSigned(this.carry | (bytes[0]! << 8)) / 32768
      this.carry = undefined
      b = 1
    }
    for (; b + 1 < bytes.length; b += 2) out[o++] = toSigned(bytes[b]! | (bytes[b + 1]! << 8)) / 32768
    if (b < bytes.length) this.carry = bytes[b]!
    this.samplesDecoded += o
    return o === out.length ? out : out.subarray(0, o)
  }
}

function toSigned(u16: number): number {
  return u16 >= 0x8000 ? u16 - 0x10000 : u16
}
