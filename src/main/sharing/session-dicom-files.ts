/**
 * Sessions in the library ↔ DICOM objects: reads a session for export (with the UIDs it gets),
 * and files a received object into the library as a session folder. The folder is built under a
 * hidden name and renamed into place, so a failed import leaves nothing half-written.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, renameSync, rmSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { encodeSessionDicom, decodeSessionDicom, type DicomIdentity, type SessionForDicom } from '../../core/dicom/session-dicom'
import { uuidFromHash, uuidToDicomUid } from '../../core/dicom/dicom-uid'
import { formatAnnotationDoc } from '../../core/sessions/annotations'
import { formatHrTraceLine, summariseHrTrace } from '../../core/sessions/hr-trace'
import { formatSessionMeta, type SessionMeta } from '../../core/sessions/session-schema'
import { encodeWav } from '../../core/wav/wav-writer'
import { appVersion } from '../app-root'
import { readAnnotations } from '../sessions/annotation-store'
import { fsyncDirectory, writeFileAtomic } from '../sessions/atomic-write'
import { SESSION_FILES, ensurePrivateDir, sessionDir } from '../sessions/data-dir'
import { SessionNotFoundError, SessionStorageError } from '../../core/sessions/session-errors'
import type { SessionLibrary } from '../sessions/session-store'

/** A session of the library with everything a DICOM object or FHIR bundle carries. */
export function readSessionForSharing(library: SessionLibrary, id: string): SessionForDicom {
  const { meta, dir } = library.get(id)
  const audio = library.readAudio(id)
  const samples = audio.channelData[0] ?? new Float32Array(0)
  const annotations = readAnnotations(dir)
  return { meta, samples, trace: library.readTrace(id).entries, annotations: annotations.items.length > 0 ? annotations : null }
}

function uidFrom(text: string): string {
  return uuidToDicomUid(uuidFromHash(createHash('sha256').update(text).digest()))
}

/** The DICOM series of a session: the same on every laptop, so a PACS list can tell which are here. */
export function seriesUidOf(sessionId: string): string {
  return uidFrom(`ausculta-series:${sessionId}`)
}

/**
 * UIDs derived from the session, so sending it twice gives the same objects (a PACS keeps one):
 * the study from the 4-point visit (its sessions are one study) or the session, the series from
 * the session, the instance from the content (an edited session is a new instance of its series).
 */
export function dicomIdentityFor(session: SessionForDicom, now: Date = new Date()): DicomIdentity {
  const { meta } = session
  const content = createHash('sha256')
  content.update(JSON.stringify([meta, session.trace, session.annotations]))
  content.update(new Uint8Array(session.samples.buffer, session.samples.byteOffset, session.samples.byteLength))
  return {
    studyUid: uidFrom(`ausculta-study:${meta.visitId ?? meta.id}`),
    seriesUid: seriesUidOf(meta.id),
    instanceUid: uidFrom(`ausculta-instance:${meta.id}:${content.digest('hex')}`),
    createdAt: now,
    softwareVersion: `Ausculta ${appVersion()}`,
    stationName: hostname().slice(0, 16),
  }
}

export function sessionDicomBytes(library: SessionLibrary, id: string, now: Date = new Date()): Uint8Array {
  const session = readSessionForSharing(library, id)
  return encodeSessionDicom(session, dicomIdentityFor(session, now))
}

export interface ImportedSession {
  id: string
  /** The library already had this session (same id): nothing was written. */
  alreadyPresent: boolean
  source: 'ausculta' | 'standard'
}

/** Files a General Audio Waveform object into the library as a complete session. */
export function importSessionDicom(library: SessionLibrary, bytes: Uint8Array, name: string, now: Date = new Date()): ImportedSession {
  const decoded = decodeSessionDicom(bytes, name)
  const id = decoded.meta.id
  try {
    library.get(id)
    return { id, alreadyPresent: true, source: decoded.source }
  } catch (error) {
    if (!(error instanceof SessionNotFoundError)) throw error
  }
  const format = decoded.meta.audio.sampleFormat
  const frames = decoded.samples.length
  const meta: SessionMeta = {
    ...decoded.meta,
    status: decoded.meta.status === 'recording' ? 'complete' : decoded.meta.status,
    audio: { file: 'audio.wav', sampleFormat: format, channels: 1, frames, durationS: frames / decoded.meta.sampleRateHz },
    hrSummary: decoded.meta.hrSummary ?? summariseHrTrace(decoded.trace),
    importedFrom: { dicomSopInstanceUid: decoded.instanceUid, seriesUid: decoded.seriesUid, at: now.toISOString() },
  }
  const target = sessionDir(library.dataDir, meta.startedAt, id)
  const dayDir = join(target, '..')
  ensurePrivateDir(dayDir)
  const building = join(dayDir, `.${id}.importing-${randomBytes(4).toString('hex')}`)
  ensurePrivateDir(building)
  try {
    writeFileAtomic(join(building, SESSION_FILES.audio), encodeWav([decoded.samples], meta.sampleRateHz, format))
    writeFileAtomic(join(building, SESSION_FILES.trace), decoded.trace.map(formatHrTraceLine).join(''))
    if (decoded.annotations && decoded.annotations.items.length > 0)
      writeFileAtomic(join(building, SESSION_FILES.annotations), formatAnnotationDoc(decoded.annotations))
    writeFileAtomic(join(building, SESSION_FILES.meta), formatSessionMeta(meta))
    if (existsSync(target)) throw new SessionStorageError(`session ${id}: a folder of that name appeared meanwhile`, target)
    renameSync(building, target)
    fsyncDirectory(dayDir)
  } finally {
    rmSync(building, { recursive: true, force: true })
  }
  return { id, alreadyPresent: false, source: decoded.source }
}
