/**
 * The FHIR R4 bundle of a library session (src/core/fhir/session-fhir-bundle.ts): the WAV read
 * from the session folder as it is on disk, inline as base64 or referred to by URL.
 */
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sessionFhirBundle, type FhirBundle } from '../../core/fhir/session-fhir-bundle'
import { SESSION_FILES } from '../sessions/data-dir'
import { withStorageErrors } from '../sessions/fs-errors'
import type { SessionLibrary } from '../sessions/session-store'
import { dicomIdentityFor, readSessionForSharing } from './session-dicom-files'

export interface FhirExportOptions {
  /** Refer to the WAV at this URL instead of embedding it (e.g. where the export folder is served). */
  audioUrl?: string
  now?: Date
}

export function sessionFhirBundleOf(library: SessionLibrary, id: string, options: FhirExportOptions = {}): FhirBundle {
  const session = readSessionForSharing(library, id)
  const path = join(library.get(id).dir, SESSION_FILES.audio)
  const wav = withStorageErrors(path, 'reading', () => readFileSync(path))
  const sha1Base64 = createHash('sha1').update(wav).digest('base64')
  const audio = options.audioUrl
    ? { url: options.audioUrl, size: wav.length, sha1Base64 }
    : { data: wav.toString('base64'), size: wav.length, sha1Base64 }
  return sessionFhirBundle({
    meta: session.meta,
    trace: session.trace,
    audio,
    now: options.now ?? new Date(),
    uuid: randomUUID,
    dicomSeriesUid: dicomIdentityFor(session).seriesUid,
  })
}
