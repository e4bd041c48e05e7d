/**
 * Runs one sharing job (encode a session, file a received object) on a worker thread of its own
 * (sharing-worker.ts) and resolves with its result; errors keep their class name, so they cross
 * the API as the same typed errors (SessionNotFoundError, DicomFormatError…).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { AuscultaError } from '../../core/errors'
import type { ImportedSession } from './session-dicom-files'
import type { SharingJob, SharingReply } from './sharing-worker-protocol'

export class SharingWorkerError extends AuscultaError {}

class ReportedError extends AuscultaError {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

function workerEntry(): { file: string; entry?: string } {
  const built = join(__dirname, 'sharing-worker.js')
  if (existsSync(built)) return { file: built }
  // From TypeScript sources (CLI through tsx, tests): tsx is bootstrapped inside the worker.
  const source = [join(__dirname, 'sharing-worker.ts'), join(__dirname, 'sharing', 'sharing-worker.ts')].find((p) => existsSync(p))
  if (!source) throw new SharingWorkerError(`sharing worker not found next to ${__dirname}`)
  const bootstrap = join(source, '..', '..', 'engine', 'worker-bootstrap.cjs')
  if (!existsSync(bootstrap)) throw new SharingWorkerError('worker-bootstrap.cjs not found')
  return { file: bootstrap, entry: source }
}

function runJob(job: SharingJob, transfer: ArrayBuffer[] = []): Promise<SharingReply & { ok: true }> {
  const { file, entry } = workerEntry()
  return new Promise((resolve, reject) => {
    // Bounded heap: a 3-h session's object is ~260 MB with its float copy, plus the samples.
    const worker = new Worker(file, {
      workerData: { ...(entry ? { entry } : {}), job },
      transferList: transfer,
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
    })
    let settled = false
    worker.once('message', (reply: SharingReply) => {
      settled = true
      void worker.terminate()
      if (reply.ok) resolve(reply)
      else reject(new ReportedError(reply.name, reply.message))
    })
    worker.once('error', (error) => {
      if (settled) return
      settled = true
      reject(new SharingWorkerError(`sharing worker failed: ${error.message}`, { cause: error }))
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new SharingWorkerError(`sharing worker exited (code ${code}) before answering`))
    })
  })
}

/** The session's DICOM object, made off the main thread. */
export async function encodeSessionInWorker(dataDir: string, sessionId: string): Promise<Uint8Array> {
  const reply = await runJob({ kind: 'encode', dataDir, sessionId })
  if (reply.kind !== 'encode') throw new SharingWorkerError('sharing worker answered the wrong job')
  return reply.bytes
}

/** Files a received DICOM object into the library, off the main thread (the bytes are handed over). */
export async function importSessionInWorker(dataDir: string, bytes: Uint8Array, name: string): Promise<ImportedSession> {
  // Transfer needs a buffer of its own: a view into a larger multipart body is copied out first.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
  const reply = await runJob({ kind: 'import', dataDir, bytes: own, name }, [own.buffer as ArrayBuffer])
  if (reply.kind !== 'import') throw new SharingWorkerError('sharing worker answered the wrong job')
  return reply.result
}
