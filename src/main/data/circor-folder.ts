/**
 * Scans a folder in CirCor format: the release layout `<folder>/training_data/*.txt` (with an
 * optional `<folder>/training_data.csv`), or the patient `.txt` files directly in the folder
 * (as in `samples/`). Lists patients and their recordings with paths and metadata; recordings
 * that cannot be used (a file missing, a patient file that does not parse) are listed in
 * `skipped` with the reason instead of failing the whole scan.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { AuscultaError, FormatError } from '../../core/errors'
import type { PatientMetadata } from '../../core/circor/patient-metadata'
import { parsePatientTxt } from '../../core/circor/patient-txt'
import { parseTrainingCsv, type TrainingCsvPatient } from '../../core/circor/training-csv'
import { fileErrorFrom } from '../io/file-errors'

/** The folder holds no CirCor patient files (or does not exist / is not a folder). */
export class NotCircorFolderError extends FormatError {}

export interface CircorRecording {
  /** File stem, e.g. `84749_TV`. */
  readonly recordingId: string
  readonly patientId: string
  /** AV, PV, TV, MV or Phc. */
  readonly location: string
  readonly wavPath: string
  readonly tsvPath: string
  /** null when the optional WFDB header is absent. */
  readonly heaPath: string | null
  readonly patient: PatientMetadata
}

export interface CircorPatient {
  readonly patientId: string
  readonly txtPath: string
  readonly metadata: PatientMetadata
  /** The usable recordings only. */
  readonly recordings: readonly CircorRecording[]
}

export interface CircorSkip {
  readonly path: string
  readonly reason: string
}

export interface CircorFolder {
  /** The folder given, resolved. */
  readonly root: string
  /** Where the patient files are (root or root/training_data). */
  readonly dataDir: string
  readonly csvPath: string | null
  readonly patients: readonly CircorPatient[]
  /** Every usable recording, patients in id order, recordings in .txt order. */
  readonly recordings: readonly CircorRecording[]
  readonly skipped: readonly CircorSkip[]
  /** Disagreements between training_data.csv and the patient files, and CSV defects. */
  readonly warnings: readonly string[]
}

/** Patient files are `<digits>.txt`; READMEs and notes beside them are not. */
const PATIENT_TXT = /^\d+\.txt$/

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw fileErrorFrom(error, path, 'read')
  }
}

function patientFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => PATIENT_TXT.test(name))
    .sort((a, b) => Number(a.slice(0, -4)) - Number(b.slice(0, -4)))
}

export function scanCircorFolder(folder: string): CircorFolder {
  const root = resolve(folder)
  if (!isDirectory(root))
    throw new NotCircorFolderError(`${root}: not a folder (expected a CirCor folder with patient .txt files or training_data/)`)
  const nested = join(root, 'training_data')
  const dataDir = isDirectory(nested) && patientFiles(nested).length > 0 ? nested : root
  const txtNames = patientFiles(dataDir)
  if (txtNames.length === 0) {
    throw new NotCircorFolderError(
      `${root}: not a CirCor folder: no patient files (<patient id>.txt) in it or in its training_data/ folder`,
    )
  }

  const warnings: string[] = []
  const csvCandidate = [join(root, 'training_data.csv'), join(dataDir, 'training_data.csv')].find((path) => existsSync(path)) ?? null
  const csvPatients = new Map<string, TrainingCsvPatient>()
  if (csvCandidate !== null) {
    try {
      for (const patient of parseTrainingCsv(readText(csvCandidate), csvCandidate).patients) csvPatients.set(patient.patientId, patient)
    } catch (error) {
      if (!(error instanceof AuscultaError)) throw error
      warnings.push(`${error.message} (CSV ignored; metadata from the patient files)`)
    }
  }

  const present = new Set(readdirSync(dataDir))
  const patients: CircorPatient[] = []
  const skipped: CircorSkip[] = []
  for (const name of txtNames) {
    const txtPath = join(dataDir, name)
    let txt
    try {
      txt = parsePatientTxt(readText(txtPath), txtPath)
    } catch (error) {
      if (!(error instanceof AuscultaError)) throw error
      skipped.push({ path: txtPath, reason: error.message })
      continue
    }
    if (`${txt.patientId}.txt` !== name)
      warnings.push(`${txtPath}: header names patient ${txt.patientId}, file name says ${name.slice(0, -4)}`)
    const csv = csvPatients.get(txt.patientId)
    if (csvCandidate !== null && csv === undefined) warnings.push(`${csvCandidate}: no row for patient ${txt.patientId}`)
    if (csv !== undefined && csv.metadata.murmur !== txt.metadata.murmur) {
      warnings.push(
        `patient ${txt.patientId}: murmur '${txt.metadata.murmur}' in ${name}, '${csv.metadata.murmur}' in training_data.csv ` +
          `(using the .txt)`,
      )
    }
    const recordings: CircorRecording[] = []
    for (const entry of txt.recordings) {
      const missing = [entry.wavFile, entry.tsvFile].filter((file) => !present.has(file))
      if (missing.length > 0) {
        skipped.push({
          path: join(dataDir, entry.wavFile),
          reason: `${missing.join(' and ')} not found (listed on line ${entry.line} of ${name})`,
        })
        continue
      }
      recordings.push({
        recordingId: entry.recordingId,
        patientId: txt.patientId,
        location: entry.location,
        wavPath: join(dataDir, entry.wavFile),
        tsvPath: join(dataDir, entry.tsvFile),
        heaPath: present.has(entry.heaFile) ? join(dataDir, entry.heaFile) : null,
        patient: txt.metadata,
      })
    }
    patients.push({ patientId: txt.patientId, txtPath, metadata: txt.metadata, recordings })
  }
  return {
    root,
    dataDir,
    csvPath: csvCandidate,
    patients,
    recordings: patients.flatMap((patient) => patient.recordings),
    skipped,
    warnings,
  }
}
