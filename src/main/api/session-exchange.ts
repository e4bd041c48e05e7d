/**
 * What the library exchanges with the world beyond its own folders: WAV files imported as
 * sessions (sent in chunks), annotation files imported into a session (Audacity labels, CirCor
 * .tsv), single exports as bytes (browser mode downloads them) or saved where the user chooses
 * (Electron's save dialog), and the detected S1/S2 and HR the waveform's lanes show.
 */
import { writeFileSync } from 'node:fs'
import type { ExportFile, ExportKind, SessionBeatsPayload } from '../../core/api/contract'
import { IMPORT_CHUNK_BASE64_CHARS, MAX_IMPORT_WAV_BYTES } from '../../core/api/contract'
import { InvalidArgumentError } from '../../core/errors'
import { formatAudacityLabels } from '../../core/sessions/audacity-labels'
import { renderSessionReport } from '../../core/sessions/report-html'
import { beatsFromTrace, type SessionBeats } from '../../core/sessions/session-beats'
import type { SessionMeta } from '../../core/sessions/session-schema'
import { readAnnotations } from '../sessions/annotation-store'
import { circorSegmentation, exportBaseName, sessionExportFiles } from '../sessions/exporter'
import type { PdfPrinter } from '../sessions/pdf-printer'
import { importWavSession } from '../sessions/session-import'
import type { SessionLibrary } from '../sessions/session-store'
import { buildZip } from '../sessions/zip-writer'

/** What the app around the library offers (Electron: dialogs, the file manager, printing). */
export interface ExportHost {
  /** A save dialog; null when the user cancelled. */
  chooseSavePath?(defaultName: string): Promise<string | null>
  showInFolder?(path: string): void
  printPdf?: PdfPrinter
}

/**
 * Recordings up to this many frames get the envelope detector when they have no recorded onsets
 * (64 MB of float32 on the audio worker: 66 min at 4 kHz, 6 min at 44.1 kHz); beyond it the lanes
 * show the trace alone. About 0.3 s of worker time per minute at 4 kHz.
 */
const MAX_DETECT_FRAMES = 16_000_000

interface Upload {
  fileName: string
  chunks: Buffer[]
  bytes: number
  lastUsedMs: number
}

/** An upload untouched this long is dropped (the page was closed mid-import). */
const UPLOAD_IDLE_MS = 5 * 60_000

const MIME: Readonly<Record<ExportKind, string>> = {
  zip: 'application/zip',
  pdf: 'application/pdf',
  html: 'text/html',
  audacity: 'text/plain',
  circor: 'text/tab-separated-values',
}

export class SessionExchange {
  private readonly uploads = new Map<string, Upload>()
  /** Detected beats per session folder, with the audio size they were computed for. */
  private readonly beatsCache = new Map<string, { frames: number; traceLines: number; beats: SessionBeats }>()

  /** `detect`: the envelope detector over a recording off the main thread (the session audio worker); null when too long. */
  constructor(
    private readonly library: () => SessionLibrary,
    private readonly host: () => ExportHost,
    private readonly detect: (id: string, maxFrames: number) => Promise<SessionBeats | null>,
  ) {}

  async beats(id: string): Promise<SessionBeatsPayload> {
    const library = this.library()
    const { meta, dir } = library.get(id)
    const trace = library.readTrace(id).entries
    const cached = this.beatsCache.get(dir)
    if (cached && cached.frames === meta.audio.frames && cached.traceLines === trace.length) return cached.beats
    let beats = beatsFromTrace(trace)
    if (beats.source === 'none') {
      const detected = await this.detect(id, MAX_DETECT_FRAMES)
      if (detected !== null) beats = trace.length > 0 ? { ...detected, hr: beats.hr } : detected
    }
    this.beatsCache.set(dir, { frames: meta.audio.frames, traceLines: trace.length, beats })
    return beats
  }

  /** One chunk of a WAV import; the last one (`done`) imports it. */
  importWavChunk(
    dataDir: string,
    request: { uploadId: string; fileName: string; offset: number; chunkBase64: string; done: boolean },
  ): SessionMeta | null {
    const now = Date.now()
    for (const [key, upload] of this.uploads) if (now - upload.lastUsedMs > UPLOAD_IDLE_MS) this.uploads.delete(key)
    if (request.chunkBase64.length > IMPORT_CHUNK_BASE64_CHARS) throw new InvalidArgumentError('import: chunk too large')
    let upload = this.uploads.get(request.uploadId)
    if (!upload) {
      if (request.offset !== 0)
        throw new InvalidArgumentError(`import ${request.fileName}: upload ${request.uploadId} is unknown (expired?)`)
      upload = { fileName: request.fileName, chunks: [], bytes: 0, lastUsedMs: now }
      this.uploads.set(request.uploadId, upload)
    }
    if (request.offset !== upload.bytes) {
      this.uploads.delete(request.uploadId)
      throw new InvalidArgumentError(`import ${request.fileName}: chunk at byte ${request.offset}, expected ${upload.bytes}`)
    }
    const chunk = Buffer.from(request.chunkBase64, 'base64')
    upload.bytes += chunk.length
    upload.lastUsedMs = now
    if (upload.bytes > MAX_IMPORT_WAV_BYTES) {
      this.uploads.delete(request.uploadId)
      throw new InvalidArgumentError(`import ${request.fileName}: larger than ${MAX_IMPORT_WAV_BYTES / 1024 ** 3} GiB`)
    }
    upload.chunks.push(chunk)
    if (!request.done) return null
    this.uploads.delete(request.uploadId)
    return importWavSession(dataDir, Buffer.concat(upload.chunks), upload.fileName)
  }

  /** Base name of the export files of a session: `<patient>_<site>`. */
  baseName(id: string): string {
    return exportBaseName(this.library().get(id).meta)
  }

  async exportFile(id: string, kind: ExportKind): Promise<{ fileName: string; mimeType: string; data: Uint8Array }> {
    const library = this.library()
    const { meta, dir } = library.get(id)
    const base = exportBaseName(meta)
    const text = (s: string): Uint8Array => Buffer.from(s, 'utf8')
    const beats = await this.beats(id)
    switch (kind) {
      case 'audacity':
        return { fileName: `${base}.labels.txt`, mimeType: MIME[kind], data: text(formatAudacityLabels(readAnnotations(dir))) }
      case 'circor': {
        const tsv = circorSegmentation(readAnnotations(dir), beats, meta.audio.durationS)
        return { fileName: `${base}${tsv.detected ? '.detected' : ''}.tsv`, mimeType: MIME[kind], data: text(tsv.text) }
      }
      case 'html':
        return { fileName: `${base}.report.html`, mimeType: MIME[kind], data: text(this.reportHtml(id, beats)) }
      case 'pdf':
        return { fileName: `${base}.report.pdf`, mimeType: MIME[kind], data: await this.printer()(this.reportHtml(id, beats)) }
      case 'zip': {
        const pdf = await this.tryPdf(id, beats)
        const files = sessionExportFiles(library, id, `${base}/`, { beats, ...(pdf ? { pdf } : {}) })
        return { fileName: `${base}.zip`, mimeType: MIME[kind], data: buildZip(files.entries) }
      }
    }
  }

  /** Electron: the save dialog, then the file; null when cancelled. */
  async saveAs(id: string, kind: ExportKind): Promise<string | null> {
    const choose = this.host().chooseSavePath
    if (!choose) throw new InvalidArgumentError('saving to a chosen place needs the desktop app; browser mode downloads instead')
    const file = await this.exportFile(id, kind)
    const path = await choose(file.fileName)
    if (path === null) return null
    writeFileSync(path, file.data, { mode: 0o600 })
    return path
  }

  showInFolder(path: string): boolean {
    const show = this.host().showInFolder
    if (!show) return false
    show(path)
    return true
  }

  /** The PDF of a session for the export folder, or undefined when no printer is at hand. */
  async tryPdf(id: string, beats?: SessionBeats): Promise<Uint8Array | undefined> {
    const printer = this.host().printPdf
    if (!printer) return undefined
    return printer(this.reportHtml(id, beats ?? (await this.beats(id))))
  }

  private printer(): PdfPrinter {
    const printer = this.host().printPdf
    if (!printer) throw new InvalidArgumentError('PDF report: no Chromium or Chrome found to print it; export the HTML report instead')
    return printer
  }

  private reportHtml(id: string, beats: SessionBeats): string {
    const library = this.library()
    const { meta, dir } = library.get(id)
    const audio = library.readAudio(id)
    return renderSessionReport({
      meta,
      samples: audio.channelData[0] ?? new Float32Array(0),
      sampleRateHz: audio.sampleRateHz,
      trace: library.readTrace(id).entries,
      annotations: readAnnotations(dir),
      footnotes: meta.attribution === undefined ? [] : [meta.attribution],
      beats,
    })
  }
}

export function toExportFile(file: { fileName: string; mimeType: string; data: Uint8Array }): ExportFile {
  return { fileName: file.fileName, mimeType: file.mimeType, base64: Buffer.from(file.data).toString('base64') }
}
