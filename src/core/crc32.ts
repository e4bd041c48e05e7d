/**
 * CRC-32/ISO-HDLC (the zlib/Ethernet/ZIP CRC: poly 0x04C11DB7 reflected, init and xorout 0xFFFFFFFF),
 * the one CRC of the project: serial frames (src/core/serial/serial-frame.ts) and embedding files.
 * Chosen over CRC-16 for serial because a resynchronising decoder tests many false sync candidates
 * inside corrupted data; 32 bits make a false accept negligible. Check value: crc32("123456789") = 0xCBF43926.
 */
const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC of bytes [start, end) (a range, so the serial decoder checks a frame in place without a copy). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
