/**
 * Export of a session or a whole visit, as a folder or a zip, each file named by what it holds:
 * `<patient>_<site>.wav` (as recorded) with its CirCor `.tsv` (annotated S1/systole/S2/diastole,
 * else the detected ones, SEGMENTATION.txt saying which), `.labels.txt` (every annotation as an
 * Audacity label track), annotations.json (Ausculta's own), hr.csv, session.json and a one-page
 * report.html (and report.pdf where a printer is at hand).
 * Exports are atomic too: a folder is built under a hidden temporary name and renamed into place,
 * a zip is written with writeFileAtomic, so a failure never leaves a half export behind. An export
 * run of the app (`<dataDir>/exports/<time>/`) validates the session first and builds the whole
 * run folder under a hidden name too, so a failed export leaves no folder at all, not even an
 * empty one.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import { formatAnnotationDoc, type AnnotationDoc } from '../../core/sessions/annotations'
import { formatAudacityLabels } from '../../core/sessions/audacity-labels'
import { exportCircorTsv } from '../../core/sessions/circor-tsv'
import { formatHrCsv } from '../../core/sessions/hr-trace'
import { escapeHtml, renderSessionReport } from '../../core/sessions/report-html'
import { SessionNotFoundError } from '../../core/sessions/session-errors'
import { segmentationFromOnsets, type SessionBeats } from '../../core/sessions/session-beats'
import { formatSessionMeta, type SessionMeta } from '../../core/sessions/session-schema'
import { EXAM_POINTS } from '../../core/sessions/visit-schema'
import { fsyncDirectory, writeFileAtomic } from './atomic-write'
import { readAnnotations } from './annotation-store'
import { SESSION_FILES, ensurePrivateDir } from './data-dir'
import { ExamVisit } from './exam'
import { toStorageError, withStorageErrors } from './fs-errors'
import type { SessionLibrary } from './session-store'
import { RECORDER_LOCK_FILE } from './recorder-lock'
import { buildZip, type ZipEntry } from './zip-writer'

export type ExportFormat = 'folder' | 'zip'

export interface ExportResult {
  /** The folder or .zip created. */
  path: string
  /** Relative paths of the files inside. */
  files: string[]
  /** Things the user should know, e.g. annotations the .tsv cannot hold. */
  notes: string[]
}

interface ExportFiles {
  entries: ZipEntry[]
  notes: string[]
}

/**
 * What an export holds besides the session's files: its detected S1/S2 (read from the trace or
 * detected from the audio by the caller) and, where a printer is at hand, the PDF report.
 */
export interface ExportExtras {
  beats?: SessionBeats
  pdf?: Uint8Array
}

/** `<patient or session id>_<site>`, CirCor's `<patient>_<site>` naming, in a portable alphabet. */
export function exportBaseName(meta: SessionMeta): string {
  const who = (meta.patient.id ?? meta.id).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || meta.id
  return `${who}_${meta.location}`
}

/**
 * The CirCor segmentation of a session: the S1/systole/S2/diastole spans a person annotated when
 * there are any, else the ones built from the detected onsets (`detected: true`).
 */
export function circorSegmentation(annotations: AnnotationDoc, beats: SessionBeats | undefined, durationS: number) {
  const annotated = exportCircorTsv(annotations, durationS)
  if (annotated.rows > 0 || beats === undefined || beats.s1OnsetsS.length + beats.s2OnsetsS.length === 0) {
    return { ...annotated, detected: false }
  }
  const spans = segmentationFromOnsets(beats.s1OnsetsS, beats.s2OnsetsS)
  return { ...exportCircorTsv({ schemaVersion: annotations.schemaVersion, items: spans }, durationS), detected: true }
}

/** Says where the .tsv's rows came from: CirCor's format has no column for it. */
function segmentationReadme(base: string, detected: boolean, rows: number, beats: SessionBeats | undefined): string {
  const by =
    beats?.source === 'recorded'
      ? "the monitor while recording (the encoder's segmentation head when a model ran, else the envelope beat detector)"
      : 'the envelope beat detector run over the audio'
  const what = detected
    ? [
        `${base}.tsv holds S1/S2 DETECTED by ${by}, not annotated by a person.`,
        'Sound lengths are typical ones (S1 120 ms, S2 100 ms, cut at half the gap to the next sound);',
        'systole and diastole fill the gaps. Check before using it as a reference.',
      ]
    : rows > 0
      ? [`${base}.tsv holds the S1/systole/S2/diastole spans annotated in Ausculta (or imported from a CirCor .tsv).`]
      : [`${base}.tsv holds no S1/S2: none were annotated, and none were detected in this export.`]
  return [
    ...what,
    '',
    `${base}.wav + ${base}.tsv form a recording in the CirCor layout (label 0 unannotated, 1 S1, 2 systole, 3 S2, 4 diastole).`,
    `${base}.labels.txt is every annotation (markers, murmurs, notes) as an Audacity label track: File > Import > Labels.`,
    "annotations.json is the same in Ausculta's own format; hr.csv the HR per window; report.html / report.pdf one page.",
    '',
  ].join('\n')
}

/** The files of one session's export, named under `prefix` ('' or 'AV/'). */
export function sessionExportFiles(library: SessionLibrary, id: string, prefix = '', extras: ExportExtras = {}): ExportFiles {
  const { meta, dir } = library.get(id)
  const audioPath = join(dir, SESSION_FILES.audio)
  const audioBytes = withStorageErrors(audioPath, 'reading', () => readFileSync(audioPath))
  const audio = library.readAudio(id)
  const trace = library.readTrace(id)
  const annotations = readAnnotations(dir)
  const durationS = audio.frames / audio.sampleRateHz
  const tsv = circorSegmentation(annotations, extras.beats, durationS)
  const base = exportBaseName(meta)
  const notes = [...trace.warnings]
  if (tsv.detected) notes.push(`${id}: ${base}.tsv holds detected S1/S2, not annotated ones (see SEGMENTATION.txt)`)
  const footnotes = meta.attribution === undefined ? [] : [meta.attribution]
  const report = renderSessionReport({
    meta,
    samples: audio.channelData[0] ?? new Float32Array(0),
    sampleRateHz: audio.sampleRateHz,
    trace: trace.entries,
    annotations,
    footnotes,
    ...(extras.beats ? { beats: extras.beats } : {}),
  })
  const text = (s: string): Uint8Array => Buffer.from(s, 'utf8')
  const entries: ZipEntry[] = [
    { name: `${prefix}${base}.wav`, data: audioBytes },
    { name: `${prefix}${base}.tsv`, data: text(tsv.text) },
    { name: `${prefix}${base}.labels.txt`, data: text(formatAudacityLabels(annotations)) },
    { name: `${prefix}SEGMENTATION.txt`, data: text(segmentationReadme(base, tsv.detected, tsv.rows, extras.beats)) },
    { name: `${prefix}annotations.json`, data: text(formatAnnotationDoc(annotations)) },
    { name: `${prefix}hr.csv`, data: text(formatHrCsv(trace.entries)) },
    { name: `${prefix}session.json`, data: text(formatSessionMeta(meta)) },
    { name: `${prefix}report.html`, data: text(report) },
  ]
  if (extras.pdf !== undefined) entries.push({ name: `${prefix}report.pdf`, data: extras.pdf })
  if (meta.attribution !== undefined) entries.push({ name: `${prefix}NOTICE.txt`, data: text(`${meta.attribution}\n`) })
  return { entries, notes }
}

function writeExport(files: ExportFiles, destDir: string, baseName: string, format: ExportFormat): ExportResult {
  const names = files.entries.map((e) => e.name)
  if (format === 'zip') {
    const path = join(destDir, `${baseName}.zip`)
    if (existsSync(path)) throw new InvalidArgumentError(`export: ${path} already exists`)
    writeFileAtomic(path, buildZip(files.entries))
    return { path, files: names, notes: files.notes }
  }
  const path = join(destDir, baseName)
  if (existsSync(path)) throw new InvalidArgumentError(`export: ${path} already exists`)
  const partial = join(destDir, `.${baseName}.partial-${process.pid}`)
  try {
    rmSync(partial, { recursive: true, force: true })
    mkdirSync(partial, { mode: 0o700 })
    for (const entry of files.entries) {
      const target = join(partial, entry.name)
      ensurePrivateDir(dirname(target))
      writeFileSync(target, entry.data, { mode: 0o600 })
    }
    renameSync(partial, path)
  } catch (err) {
    rmSync(partial, { recursive: true, force: true })
    throw toStorageError(err, path, 'exporting')
  }
  fsyncDirectory(destDir)
  return { path, files: names, notes: files.notes }
}

export function exportSession(library: SessionLibrary, id: string, destDir: string, format: ExportFormat): ExportResult {
  return writeExport(sessionExportFiles(library, id), destDir, `ausculta-${id}`, format)
}

/** A visit: one subfolder per recorded point (AV/, PV/, …), visit.json and an index.html. */
export function exportVisit(library: SessionLibrary, visitId: string, destDir: string, format: ExportFormat): ExportResult {
  const { visit } = ExamVisit.load(library.dataDir, visitId)
  const entries: ZipEntry[] = []
  const notes: string[] = []
  const links: string[] = []
  for (const point of EXAM_POINTS) {
    const sessionId = visit.points[point]
    if (sessionId === null) {
      notes.push(`visit ${visitId}: ${point} was not recorded`)
      links.push(`<li>${point}: not recorded</li>`)
      continue
    }
    let files: ExportFiles
    try {
      files = sessionExportFiles(library, sessionId, `${point}/`)
    } catch (err) {
      // A deleted (trashed) take must not block exporting the other three points.
      if (!(err instanceof SessionNotFoundError)) throw err
      notes.push(`visit ${visitId}: ${point} session ${sessionId} is not in the library (deleted?)`)
      links.push(`<li>${point}: session ${escapeHtml(sessionId)} not in the library</li>`)
      continue
    }
    entries.push(...files.entries)
    notes.push(...files.notes)
    links.push(`<li><a href="${point}/report.html">${point}</a> — session ${escapeHtml(sessionId)}</li>`)
  }
  const patient = [visit.patient.name, visit.patient.id ? `#${visit.patient.id}` : undefined].filter(Boolean).join(' ') || '—'
  const index =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Ausculta visit ` +
    `${escapeHtml(visit.id)}</title></head><body>\n<h1>4-point exam ${escapeHtml(visit.id)}</h1>\n<p>Patient: ` +
    `${escapeHtml(patient)}; ` +
    `${escapeHtml(visit.createdAt)}</p>\n<ul>${links.join('')}</ul>\n<p>${escapeHtml(visit.notes)}</p>\n</body></html>\n`
  entries.push(
    { name: 'visit.json', data: Buffer.from(`${JSON.stringify(visit, null, 2)}\n`) },
    { name: 'index.html', data: Buffer.from(index) },
  )
  return writeExport({ entries, notes }, destDir, `ausculta-visit-${visitId}`, format)
}

/** `yyyymmddThhmmssmmmZ`: one folder per export run, sortable, never reused by a later run. */
function exportRunStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d+)Z$/, '$1Z')
}

/**
 * Runs `fill` on a hidden temporary folder under `exportsRoot` and renames it to
 * `<exportsRoot>/<stamp>` only when everything was written; on any failure the temporary folder
 * is removed, so nothing (not even an empty folder) is left behind.
 */
function inExportRun(exportsRoot: string, now: Date, fill: (runDir: string) => ExportResult): ExportResult {
  ensurePrivateDir(exportsRoot)
  const stamp = exportRunStamp(now)
  const finalDir = join(exportsRoot, stamp)
  if (existsSync(finalDir)) throw new InvalidArgumentError(`export: ${finalDir} already exists`)
  const tempDir = join(exportsRoot, `.${stamp}.partial-${process.pid}`)
  let result: ExportResult
  try {
    rmSync(tempDir, { recursive: true, force: true })
    mkdirSync(tempDir, { mode: 0o700 })
    result = fill(tempDir)
    renameSync(tempDir, finalDir)
  } catch (err) {
    rmSync(tempDir, { recursive: true, force: true })
    throw toStorageError(err, finalDir, 'exporting')
  }
  fsyncDirectory(exportsRoot)
  return { ...result, path: join(finalDir, basename(result.path)) }
}

/**
 * The app's export of one session into a new run folder `<exportsRoot>/<time>/`. Everything is
 * read and checked (session found, audio decodes) before anything is created.
 */
export function exportSessionRun(
  library: SessionLibrary,
  id: string,
  exportsRoot: string,
  format: ExportFormat,
  now: Date = new Date(),
  extras: ExportExtras = {},
): ExportResult {
  const files = sessionExportFiles(library, id, '', extras)
  return inExportRun(exportsRoot, now, (runDir) => writeExport(files, runDir, `ausculta-${id}`, format))
}

/** Files of a session folder worth rescuing as they are: not the recorder's lock, not temporary files. */
function rawSessionFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== RECORDER_LOCK_FILE && !name.startsWith('.'))
    .filter((name) => {
      try {
        return lstatSync(join(dir, name)).isFile()
      } catch {
        return false
      }
    })
    .sort()
}

/**
 * The way out for a session the library cannot open (unreadable session.json, an audio header
 * repair cannot fix, a read-only folder): its files copied byte for byte, unchanged, into a new
 * run folder, with a README.txt saying why. Nothing in the session folder is modified.
 */
export function exportRawSessionRun(dir: string, reason: string, exportsRoot: string, now: Date = new Date()): ExportResult {
  const names = withStorageErrors(dir, 'reading the session folder', () => rawSessionFiles(dir))
  if (names.length === 0) throw new InvalidArgumentError(`export: ${basename(dir)}: the folder holds no files to export`)
  const readme = [
    `Raw export of session folder ${basename(dir)} (files copied unchanged).`,
    `Why: ${reason}`,
    '',
    'audio.wav is written by Ausculta as mono float32 (IEEE float, 4 bytes per sample, little-endian) after a',
    '44-byte header; if its header is damaged, the samples still start at byte 44. session.json holds the sample rate.',
    '',
  ].join('\n')
  return inExportRun(exportsRoot, now, (runDir) => {
    const target = join(runDir, `ausculta-raw-${basename(dir)}`)
    mkdirSync(target, { mode: 0o700 })
    for (const name of names) copyFileSync(join(dir, name), join(target, name))
    writeFileSync(join(target, 'README.txt'), readme, { mode: 0o600 })
    return { path: target, files: [...names, 'README.txt'], notes: [] }
  })
}
