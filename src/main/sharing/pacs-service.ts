/**
 * The PACS for the app API: its settings in `<home data folder>/pacs.json` (owner-only, like the
 * whole data folder; the password is kept there in plain text because basic auth needs it back —
 * it is never sent to a client), and send / list / fetch against the library of the moment; the
 * encoding and the filing run on a worker thread (sharing-worker.ts), off the live stream's thread.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidArgumentError } from '../../core/errors'
import type { PACS_METHODS, PacsSettingsView } from '../../core/api/pacs-contract'
import { writeFileAtomic } from '../sessions/atomic-write'
import { ensurePrivateDir } from '../sessions/data-dir'
import { SessionLibrary } from '../sessions/session-store'
import { DicomWebClient, PacsError, checkPacsUrl } from './dicomweb-client'
import { ON_WORKER, fetchPacsSession, listPacsSessions, sendSessions } from './pacs'
import { seriesUidOf } from './session-dicom-files'

const storedSchema = z.object({ url: z.string().nullable(), username: z.string().nullable(), password: z.string().nullable() })
type Stored = z.infer<typeof storedSchema>

type Method<K extends keyof typeof PACS_METHODS> = (
  request: z.output<(typeof PACS_METHODS)[K]['request']>,
) => Promise<z.output<(typeof PACS_METHODS)[K]['response']>>

export interface PacsServiceOptions {
  /** Where pacs.json lives (the data folder the app started with, as settings.json). */
  homeDataDir: string
  /** The library's data folder now. */
  dataDir: () => string
}

export class PacsService {
  constructor(private readonly options: PacsServiceOptions) {}

  private file(): string {
    return join(this.options.homeDataDir, 'pacs.json')
  }

  private stored(): Stored {
    const file = this.file()
    if (!existsSync(file)) return { url: null, username: null, password: null }
    let value: unknown
    try {
      value = JSON.parse(readFileSync(file, 'utf8'))
    } catch (error) {
      throw new PacsError(`pacs.json: not readable JSON (${(error as Error).message}); set the PACS again`)
    }
    const parsed = storedSchema.safeParse(value)
    if (!parsed.success) throw new PacsError('pacs.json: not PACS settings; set the PACS again')
    return parsed.data
  }

  private view(stored: Stored): PacsSettingsView {
    return { url: stored.url, username: stored.username, hasPassword: !!stored.password }
  }

  private client(): DicomWebClient {
    const { url, username, password } = this.stored()
    if (!url) throw new PacsError('no PACS configured: set its DICOMweb address first')
    return new DicomWebClient({ url, ...(username ? { username, password: password ?? '' } : {}) })
  }

  private library(): SessionLibrary {
    return new SessionLibrary(this.options.dataDir())
  }

  readonly settings: Method<'pacs:settings'> = async () => this.view(this.stored())

  readonly configure: Method<'pacs:configure'> = async (request) => {
    const current = this.stored()
    const url = request.url === null || request.url === '' ? null : checkPacsUrl(request.url)
    const next: Stored = {
      url,
      username: request.username === undefined ? current.username : request.username || null,
      password: request.password === undefined ? current.password : request.password || null,
    }
    ensurePrivateDir(this.options.homeDataDir)
    writeFileAtomic(this.file(), `${JSON.stringify(next, null, 2)}\n`)
    return this.view(next)
  }

  readonly send: Method<'pacs:send'> = async ({ sessionId }) => {
    const [sent] = await sendSessions(this.client(), this.library(), [sessionId], ON_WORKER)
    if (sent === undefined) throw new InvalidArgumentError(`session ${sessionId}: nothing sent`)
    return { sessionId, sopInstanceUid: sent.sopInstanceUid }
  }

  readonly list: Method<'pacs:list'> = async (request) => {
    const client = this.client()
    const rows = await listPacsSessions(client, request)
    // The series UID of a session is derived from its id (session-dicom-files.ts): a row is ours
    // when it is the series of one of this library's sessions, sent from here or fetched.
    const here = new Set<string>()
    for (const { meta } of this.library().list().sessions) {
      here.add(seriesUidOf(meta.id))
      const from = (meta as { importedFrom?: { seriesUid?: unknown } }).importedFrom?.seriesUid
      if (typeof from === 'string') here.add(from)
    }
    return { url: client.url, series: rows.map((r) => ({ ...r, inLibrary: here.has(r.seriesUid) })) }
  }

  readonly fetch: Method<'pacs:fetch'> = async ({ seriesUid, studyUid }) => {
    const imported = await fetchPacsSession(this.client(), this.library(), seriesUid, studyUid, ON_WORKER)
    return { sessionId: imported.id, alreadyPresent: imported.alreadyPresent }
  }
}
