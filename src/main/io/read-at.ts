import type { FileHandle } from 'node:fs/promises'

/** Up to `length` bytes at `offset` of an open file (fewer at its end): short reads are retried until it gives no more. */
export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, offset + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done === length ? bytes : bytes.subarray(0, done)
}
