/**
 * A DICOMweb client for the three services sharing needs (PS3.18): STOW-RS to send Part 10
 * files, QIDO-RS to search series, WADO-RS to retrieve a series' instances. Plain HTTP(S) with
 * optional basic auth; the PACS is the shared store, there is no server of ours in between.
 */
import { randomBytes } from 'node:crypto'
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import { decodeMultipartRelated, encodeMultipartRelated, multipartBoundary } from '../../core/dicom/multipart-related'

/** The PACS refused, failed or could not be reached; the message says which and what it answered. */
export class PacsError extends AuscultaError {}

export interface PacsSettings {
  /** DICOMweb service root, e.g. http://pacs.local:8042/dicom-web */
  url: string
  username?: string
  password?: string
  /** Per request, default 60 s (a long session is tens of MB). */
  timeoutMs?: number
}

/** One attribute of a DICOM JSON object (PS3.18 F.2). */
interface DicomJsonAttribute {
  vr: string
  Value?: unknown[]
}
export type DicomJson = Record<string, DicomJsonAttribute>

export function checkPacsUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidArgumentError(`PACS URL: ${JSON.stringify(url)} is not a URL (e.g. http://pacs.local:8042/dicom-web)`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidArgumentError(`PACS URL: ${parsed.protocol} is not http: or https:`)
  if (parsed.username || parsed.password)
    throw new InvalidArgumentError('PACS URL: give the user name and password as settings, not inside the URL')
  return parsed.toString().replace(/\/+$/, '')
}

/** A JSON attribute's first value as text (PN as its alphabetic form). */
export function jsonText(obj: DicomJson, tagHex: string): string | undefined {
  const value = obj[tagHex]?.Value?.[0]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'object' && 'Alphabetic' in value) return String((value as { Alphabetic: unknown }).Alphabetic)
  return String(value)
}

export class DicomWebClient {
  readonly url: string
  private readonly auth: string | undefined
  private readonly timeoutMs: number

  constructor(settings: PacsSettings) {
    this.url = checkPacsUrl(settings.url)
    this.auth =
      settings.username !== undefined && settings.username !== ''
        ? `Basic ${Buffer.from(`${settings.username}:${settings.password ?? ''}`).toString('base64')}`
        : undefined
    this.timeoutMs = settings.timeoutMs ?? 60_000
  }

  private async request(path: string, init: { method?: string; headers: Record<string, string>; body?: Uint8Array }): Promise<Response> {
    const headers = { ...init.headers, ...(this.auth ? { Authorization: this.auth } : {}) }
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      const why = cause?.code ?? cause?.message ?? (error as Error).message
      throw new PacsError(`PACS ${this.url}: not reachable (${why})`, { cause: error })
    }
    if (response.status === 401 || response.status === 403)
      throw new PacsError(`PACS ${this.url}: ${response.status} — user name or password refused`)
    return response
  }

  /**
   * The status only, not the answer's text: the address comes from settings a client can set, and
   * echoing what some other server answered would let the API read any URL the app can reach.
   */
  private async failure(response: Response, what: string): Promise<PacsError> {
    await response.body?.cancel().catch(() => undefined)
    return new PacsError(`PACS ${this.url}: ${what} answered ${response.status} ${response.statusText}`)
  }

  /** STOW-RS: stores Part 10 files; resolves when the PACS confirms every one of them. */
  async store(files: readonly Uint8Array[]): Promise<{ stored: string[] }> {
    const boundary = multipartBoundary(randomBytes(12).toString('hex'))
    const body = encodeMultipartRelated(
      files.map((f) => ({ contentType: 'application/dicom', body: f })),
      boundary,
    )
    const response = await this.request('/studies', {
      method: 'POST',
      headers: { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`, Accept: 'application/dicom+json' },
      body,
    })
    if (!response.ok && response.status !== 202) throw await this.failure(response, 'STOW-RS')
    const answer = (await response.json().catch(() => ({}))) as DicomJson
    const failed = answer['00081198']?.Value ?? []
    if (failed.length > 0)
      throw new PacsError(
        `PACS ${this.url}: refused ${failed.length} of ${files.length} object(s): ${JSON.stringify(failed).slice(0, 300)}`,
      )
    const stored = (answer['00081199']?.Value ?? []).map((item) => jsonText(item as DicomJson, '00081155') ?? '')
    if (stored.length !== files.length)
      throw new PacsError(`PACS ${this.url}: STOW-RS confirmed ${stored.length} of ${files.length} object(s)`)
    return { stored }
  }

  /** QIDO-RS at series level (`/series?…`), with the attributes named in `includeFields`. */
  async searchSeries(query: Record<string, string>, includeFields: readonly string[]): Promise<DicomJson[]> {
    const params = new URLSearchParams(query)
    for (const field of includeFields) params.append('includefield', field)
    const response = await this.request(`/series?${params.toString()}`, { headers: { Accept: 'application/dicom+json' } })
    if (response.status === 204) return []
    if (!response.ok) throw await this.failure(response, 'QIDO-RS')
    const answer = (await response.json()) as unknown
    if (!Array.isArray(answer)) throw new PacsError(`PACS ${this.url}: QIDO-RS answer is not a JSON array`)
    return answer as DicomJson[]
  }

  /** WADO-RS: every instance of a series as Part 10 bytes. */
  async retrieveSeries(studyUid: string, seriesUid: string): Promise<Uint8Array[]> {
    const path = `/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`
    const response = await this.request(path, { headers: { Accept: 'multipart/related; type="application/dicom"' } })
    if (response.status === 404) throw new PacsError(`PACS ${this.url}: series ${seriesUid} not found`)
    if (!response.ok) throw await this.failure(response, 'WADO-RS')
    const body = new Uint8Array(await response.arrayBuffer())
    const parts = decodeMultipartRelated(body, response.headers.get('content-type') ?? '')
    return parts.map((p) => p.body)
  }
}
