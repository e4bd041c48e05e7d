/**
 * The sharing worker: turns a session into its DICOM object and files a received object into the
 * library, on a thread of its own. Both read or write the whole recording (an hour at 4 kHz is
 * 58 MB and seconds of work); the main thread carries the live stream and must not wait for it.
 * One job per worker: the client starts one per send or fetch and it ends with its reply.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { SessionLibrary } from '../sessions/session-store'
import { importSessionDicom, sessionDicomBytes } from './session-dicom-files'
import type { SharingJob, SharingReply } from './sharing-worker-protocol'

if (!parentPort) throw new Error('sharing-worker must run in a worker thread')
const port = parentPort

function run(job: SharingJob): void {
  try {
    if (job.kind === 'encode') {
      const bytes = sessionDicomBytes(new SessionLibrary(job.dataDir), job.sessionId)
      port.postMessage({ ok: true, kind: 'encode', bytes } satisfies SharingReply, [bytes.buffer as ArrayBuffer])
    } else {
      const result = importSessionDicom(new SessionLibrary(job.dataDir), job.bytes, job.name)
      port.postMessage({ ok: true, kind: 'import', result } satisfies SharingReply)
    }
  } catch (error) {
    port.postMessage({
      ok: false,
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    } satisfies SharingReply)
  }
}

run((workerData as { job: SharingJob }).job)
