/**
 * Sends a WAV file to the library in chunks (`sessions:importWav`): a WebSocket message is at
 * most 1 MiB, so 384 KiB of file (512 KiB of base64) per request, in order, under one upload id.
 */
import type { AuscultaApi, SessionSummary } from '../../../../core/api/contract'
import { IMPORT_CHUNK_BASE64_CHARS } from '../../../../core/api/contract'

const CHUNK_BYTES = (IMPORT_CHUNK_BASE64_CHARS / 4) * 3

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  // In slices: String.fromCharCode with too many arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export async function uploadWav(api: AuscultaApi, file: File, onprogress?: (fraction: number) => void): Promise<SessionSummary> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  const uploadId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
  for (let offset = 0; ; offset += CHUNK_BYTES) {
    const chunk = bytes.subarray(offset, offset + CHUNK_BYTES)
    const done = offset + CHUNK_BYTES >= bytes.length
    const result = await api.invoke('sessions:importWav', { uploadId, fileName: file.name, offset, chunkBase64: toBase64(chunk), done })
    onprogress?.(Math.min(1, (offset + chunk.length) / Math.max(1, bytes.length)))
    if (done) {
      if (!result) throw new Error(`${file.name}: the library did not answer the import`)
      return result
    }
  }
}
