/**
 * DICOM UIDs under the 2.25 root (PS3.5 B.2, ISO/IEC 9834-8): "2.25." and a UUID as one decimal
 * integer. No organisation root has to be registered, and a UUID from a random or a hash source
 * is unique by construction. The UUID itself comes from the caller (random for new objects, a
 * SHA-256 of the content for objects that must be the same each time they are written).
 */
import { InvalidArgumentError } from '../errors'

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** "2.25.<decimal>" of a UUID (with or without hyphens). */
export function uuidToDicomUid(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) throw new InvalidArgumentError(`uuid: ${JSON.stringify(uuid)} is not a UUID`)
  return `2.25.${BigInt(`0x${uuid.replace(/-/g, '')}`).toString(10)}`
}

/**
 * A version-8 (custom) UUID from the first 16 bytes of a hash, with the version and variant bits
 * set as RFC 9562 requires, so a content hash becomes a well-formed UUID.
 */
export function uuidFromHash(hash: Uint8Array): string {
  if (hash.length < 16) throw new InvalidArgumentError(`hash: ${hash.length} bytes, a UUID needs 16`)
  const b = Array.from(hash.subarray(0, 16))
  b[6] = ((b[6] as number) & 0x0f) | 0x80
  b[8] = ((b[8] as number) & 0x3f) | 0x80
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** PS3.5 9.1: digits and dots, no leading zero in a component, at most 64 characters. */
export function isDicomUid(uid: string): boolean {
  return uid.length <= 64 && /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/.test(uid)
}

/** Our implementation's UID (file meta (0002,0012)): a fixed UUID under 2.25. */
export const AUSCULTA_IMPLEMENTATION_CLASS_UID = uuidToDicomUid('5e1c2a57-3d0b-4a6e-9f1c-a05c0017a001')
