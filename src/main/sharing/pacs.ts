/**
 * The PACS as the clinic's shared store of sessions: send sessions (STOW-RS), list the heart-sound
 * series any laptop sent (QIDO-RS, modality AU), and fetch one into this library (WADO-RS).
 */
import { GENERAL_AUDIO_WAVEFORM_SOP_CLASS, T } from '../../core/dicom/dicom-tags'
import { formatTag, read } from '../../core/dicom/dicom-dataset'
import { decodePart10 } from '../../core/dicom/dicom-part10'
import { parseDicomDateTime } from '../../core/dicom/session-dicom'
import type { SessionLibrary } from '../sessions/session-store'
import { DicomWebClient, PacsError, jsonText, type DicomJson } from './dicomweb-client'
import { importSessionDicom, sessionDicomBytes, type ImportedSession } from './session-dicom-files'
import { encodeSessionInWorker, importSessionInWorker } from './sharing-worker-client'

/** Where the heavy work runs: in this thread (CLI) or on a worker (the app, whose main thread carries the live stream). */
export interface SharingRunner {
  encode(library: SessionLibrary, id: string): Promise<Uint8Array>
  file(library: SessionLibrary, bytes: Uint8Array, name: string): Promise<ImportedSession>
}

export const IN_PROCESS: SharingRunner = {
  encode: async (library, id) => sessionDicomBytes(library, id),
  file: async (library, bytes, name) => importSessionDicom(library, bytes, name),
}

export const ON_WORKER: SharingRunner = {
  encode: (library, id) => encodeSessionInWorker(library.dataDir, id),
  file: (library, bytes, name) => importSessionInWorker(library.dataDir, bytes, name),
}

export interface SentSession {
  id: string
  sopInstanceUid: string
}

export async function sendSessions(
  client: DicomWebClient,
  library: SessionLibrary,
  ids: readonly string[],
  runner: SharingRunner = IN_PROCESS,
): Promise<SentSession[]> {
  const sent: SentSession[] = []
  // One STOW request per session: a long session is tens of MB, and a failure names its session.
  for (const id of ids) {
    const bytes = await runner.encode(library, id)
    const { stored } = await client.store([bytes])
    sent.push({ id, sopInstanceUid: stored[0] ?? '' })
  }
  return sent
}

/** One heart-sound series in the PACS, as the list shows it. */
export interface PacsSeriesRow {
  studyUid: string
  seriesUid: string
  patientName: string
  patientId: string
  /** ISO time of the recording (Series Date/Time, UTC as we write it), or '' when the PACS did not say. */
  startedAt: string
  description: string
  station: string
  instances: number
}

const HEX = (t: number): string => formatTag(t).replace(/[(),]/g, '')

const INCLUDE = [T.PatientName, T.PatientID, T.SeriesDate, T.SeriesTime, T.SeriesDescription, T.StationName, T.StudyInstanceUID].map(HEX)

function seriesStart(row: DicomJson): string {
  const date = jsonText(row, HEX(T.SeriesDate))
  if (date === undefined) return ''
  try {
    return parseDicomDateTime(`${date}${jsonText(row, HEX(T.SeriesTime)) ?? ''}`).toISOString()
  } catch {
    return ''
  }
}

export interface PacsListQuery {
  patientId?: string
  /** DICOM date or range, e.g. 20261203 or 20261201-20261203. */
  date?: string
  limit?: number
}

/** Heart-sound series (modality AU) in the PACS, newest first. */
export async function listPacsSessions(client: DicomWebClient, query: PacsListQuery = {}): Promise<PacsSeriesRow[]> {
  const params: Record<string, string> = { Modality: 'AU' }
  if (query.patientId) params.PatientID = query.patientId
  if (query.date) params.SeriesDate = query.date
  if (query.limit) params.limit = String(query.limit)
  const rows = await client.searchSeries(params, INCLUDE)
  return rows
    .map((row) => ({
      studyUid: jsonText(row, HEX(T.StudyInstanceUID)) ?? '',
      seriesUid: jsonText(row, HEX(T.SeriesInstanceUID)) ?? '',
      patientName: jsonText(row, HEX(T.PatientName)) ?? '',
      patientId: jsonText(row, HEX(T.PatientID)) ?? '',
      startedAt: seriesStart(row),
      description: jsonText(row, HEX(T.SeriesDescription)) ?? '',
      station: jsonText(row, HEX(T.StationName)) ?? '',
      instances: Number(jsonText(row, '00201209') ?? 0),
    }))
    .filter((row) => row.studyUid !== '' && row.seriesUid !== '')
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

/** The newest audio instance of a series (an edited session sent again is a second instance). */
function newestAudio(files: readonly Uint8Array[]): Uint8Array | undefined {
  let best: { bytes: Uint8Array; created: string } | undefined
  for (const bytes of files) {
    const { dataset } = decodePart10(bytes, 'WADO-RS part')
    if (read.text(dataset, T.SOPClassUID) !== GENERAL_AUDIO_WAVEFORM_SOP_CLASS) continue
    const created = `${read.text(dataset, T.InstanceCreationDate) ?? ''}${read.text(dataset, T.InstanceCreationTime) ?? ''}`
    if (best === undefined || created > best.created) best = { bytes, created }
  }
  return best?.bytes
}

/** Fetches a series from the PACS into the library (its study found by QIDO when not given). */
export async function fetchPacsSession(
  client: DicomWebClient,
  library: SessionLibrary,
  seriesUid: string,
  studyUid?: string,
  runner: SharingRunner = IN_PROCESS,
): Promise<ImportedSession> {
  let study = studyUid
  if (study === undefined) {
    const rows = await client.searchSeries({ SeriesInstanceUID: seriesUid }, [HEX(T.StudyInstanceUID)])
    study = rows.map((r) => jsonText(r, HEX(T.StudyInstanceUID))).find((s) => s !== undefined)
    if (study === undefined) throw new PacsError(`PACS ${client.url}: series ${seriesUid} not found`)
  }
  const files = await client.retrieveSeries(study, seriesUid)
  const audio = newestAudio(files)
  if (audio === undefined) throw new PacsError(`PACS ${client.url}: series ${seriesUid} holds no General Audio Waveform object`)
  return runner.file(library, audio, `series ${seriesUid}`)
}
