/**
 * multipart/related bodies (RFC 2387) as DICOMweb uses them: STOW-RS sends Part 10 files as
 * `multipart/related; type="application/dicom"`, WADO-RS answers with the same. Binary parts,
 * so everything works on bytes; headers are ASCII.
 */
import { FormatError } from '../errors'

export class MultipartFormatError extends FormatError {}

export interface MultipartPart {
  headers: Record<string, string>
  body: Uint8Array
}

const CRLF = new Uint8Array([13, 10])
const ascii = new TextEncoder()

/** A boundary from random hex (the caller gives the randomness, so this stays pure). */
export function multipartBoundary(randomHex: string): string {
  return `ausculta-${randomHex}`
}

export function encodeMultipartRelated(parts: readonly { contentType: string; body: Uint8Array }[], boundary: string): Uint8Array {
  const chunks: Uint8Array[] = []
  for (const part of parts) {
    chunks.push(
      ascii.encode(`--${boundary}\r\nContent-Type: ${part.contentType}\r\nContent-Length: ${part.body.length}\r\n\r\n`),
      part.body,
      CRLF,
    )
  }
  chunks.push(ascii.encode(`--${boundary}--\r\n`))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** The `boundary` parameter of a Content-Type header (quoted or not). */
export function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]
  if (!/^multipart\/related/i.test(contentType.trim()) || boundary === undefined)
    throw new MultipartFormatError(`Content-Type ${JSON.stringify(contentType)}: not multipart/related with a boundary`)
  return boundary
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number
  const last = haystack.length - needle.length
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1
    while (j < needle.length && haystack[i + j] === needle[j]) j++
    if (j === needle.length) return i
  }
  return -1
}

/** Splits a multipart/related body into its parts; a body without a closing delimiter is an error. */
export function decodeMultipartRelated(body: Uint8Array, contentType: string): MultipartPart[] {
  const boundary = boundaryOf(contentType)
  const delimiter = ascii.encode(`--${boundary}`)
  const parts: MultipartPart[] = []
  let at = indexOf(body, delimiter, 0)
  if (at === -1) throw new MultipartFormatError(`multipart body: no "--${boundary}" delimiter`)
  for (;;) {
    at += delimiter.length
    if (body[at] === 45 && body[at + 1] === 45) return parts // "--": the close delimiter
    const headerStart = indexOf(body, CRLF, at)
    if (headerStart === -1) break
    const headerEnd = indexOf(body, ascii.encode('\r\n\r\n'), headerStart)
    if (headerEnd === -1) break
    const headers: Record<string, string> = {}
    const headerText = new TextDecoder('latin1').decode(body.subarray(headerStart + 2, headerEnd))
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const bodyStart = headerEnd + 4
    const next = indexOf(body, ascii.encode(`\r\n--${boundary}`), bodyStart)
    if (next === -1) break
    parts.push({ headers, body: body.subarray(bodyStart, next) })
    at = next + 2
  }
  throw new MultipartFormatError(`multipart body: ends before its closing "--${boundary}--" (truncated answer?)`)
}
