import { describe, expect, it } from 'vitest'
import { MultipartFormatError, boundaryOf, decodeMultipartRelated, encodeMultipartRelated } from '../../../src/core/dicom/multipart-related'

describe('multipart/related', () => {
  it('round-trips binary parts, including bytes that look like CRLF and dashes', () => {
    const a = new Uint8Array([13, 10, 45, 45, 0, 255, 13, 10])
    const b = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff)
    const body = encodeMultipartRelated(
      [
        { contentType: 'application/dicom', body: a },
        { contentType: 'application/dicom', body: b },
      ],
      'ausculta-0123',
    )
    const parts = decodeMultipartRelated(body, 'multipart/related; type="application/dicom"; boundary=ausculta-0123')
    expect(parts.map((p) => p.headers['content-type'])).toEqual(['application/dicom', 'application/dicom'])
    expect(parts[0]?.body).toEqual(a)
    expect(parts[1]?.body).toEqual(b)
  })

  it('reads quoted boundaries and refuses other types, missing and truncated bodies', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary="x y"')).toBe('x y')
    expect(() => boundaryOf('application/dicom+json')).toThrow(MultipartFormatError)
    const body = encodeMultipartRelated([{ contentType: 'application/dicom', body: new Uint8Array(100) }], 'b1')
    const type = 'multipart/related; boundary=b1'
    expect(() => decodeMultipartRelated(body.subarray(0, body.length - 8), type)).toThrow(/ends before its closing/)
    expect(() => decodeMultipartRelated(new Uint8Array(10), type)).toThrow(/no "--b1" delimiter/)
    expect(decodeMultipartRelated(new TextEncoder().encode('--b1--\r\n'), type)).toEqual([])
  })
})
