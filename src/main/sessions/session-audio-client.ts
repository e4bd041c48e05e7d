/**
 * The main-thread side of the session audio worker: one request, one reply, matched by id. The
 * main thread only posts the request and hands the reply on (sample buffers are transferred, not
 * copied). Errors keep the class name they had in the worker (`AudioRangeError`,
 * `SessionNotFoundError`, …) so they cross the API as the same typed errors.
 *
 * The worker is started at construction (a library is opened long before a session is), never
 * keeps the process alive, and is started again if it dies.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { AuscultaError } from '../../core/errors'
import type { SessionBeats } from '../../core/sessions/session-beats'
import type { SessionAudioReply, SessionAudioRequest } from './session-audio-protocol'
import type { AudioRangeResult, PeaksRequest, PeaksResult, WholeAudioResult } from './session-audio-reader'

export class SessionAudioWorkerError extends AuscultaError {}

/** An error the worker reported, under its original class name. */
class ReportedError extends AuscultaError {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

type Distribute<T> = T extends unknown ? Omit<T, 'requestId'> : never
type RequestBody = Distribute<SessionAudioRequest>

function workerEntry(): { file: string; workerData?: { entry: string } } {
  const built = join(__dirname, 'session-audio-worker.js')
  if (existsSync(built)) return { file: built }
  // From TypeScript sources (CLI through tsx, tests): tsx is bootstrapped inside the worker.
  const candidates = [join(__dirname, 'session-audio-worker.ts'), join(__dirname, 'sessions', 'session-audio-worker.ts')]
  const source = candidates.find((path) => existsSync(path))
  if (!source) throw new SessionAudioWorkerError(`session audio worker not found next to ${__dirname}`)
  const bootstrap = [join(source, '..', '..', 'engine', 'worker-bootstrap.cjs')].find((path) => existsSync(path))
  if (!bootstrap) throw new SessionAudioWorkerError('worker-bootstrap.cjs not found')
  return { file: bootstrap, workerData: { entry: source } }
}

export class SessionAudioClient {
  private worker: Worker | null = null
  private nextRequestId = 1
  private readonly pending = new Map<number, { resolve: (reply: SessionAudioReply) => void }>()
  private closed = false

  constructor() {
    this.start()
  }

  private start(): Worker {
    const entry = workerEntry()
    // A bound on the worker's heap: a bug there must not take the machine's memory with it.
    const worker = new Worker(entry.file, { workerData: entry.workerData, resourceLimits: { maxOldGenerationSizeMb: 512 } })
    worker.unref()
    worker.on('message', (reply: SessionAudioReply) => {
      const waiter = this.pending.get(reply.requestId)
      this.pending.delete(reply.requestId)
      // Idle, the worker does not keep the process alive; with a request out, it must.
      if (this.pending.size === 0) worker.unref()
      waiter?.resolve(reply)
    })
    const fail = (message: string): void => {
      if (this.worker === worker) this.worker = null
      for (const [requestId, waiter] of this.pending)
        waiter.resolve({ type: 'failed', requestId, name: 'SessionAudioWorkerError', message })
      this.pending.clear()
    }
    worker.on('error', (error) => fail(`session audio worker failed: ${error.message}`))
    worker.on('exit', (code) => {
      if (!this.closed) fail(`session audio worker exited with code ${code}`)
    })
    this.worker = worker
    return worker
  }

  private async request(body: RequestBody): Promise<SessionAudioReply> {
    if (this.closed) throw new SessionAudioWorkerError('the session audio worker is closed')
    const worker = this.worker ?? this.start()
    const requestId = this.nextRequestId++
    const reply = await new Promise<SessionAudioReply>((resolve) => {
      this.pending.set(requestId, { resolve })
      worker.ref()
      worker.postMessage({ ...body, requestId } as SessionAudioRequest)
    })
    if (reply.type === 'failed') throw new ReportedError(reply.name, reply.message)
    return reply
  }

  async range(dataDir: string, id: string, startFrame: number, frames: number): Promise<AudioRangeResult> {
    const reply = await this.request({ type: 'range', dataDir, id, startFrame, frames })
    if (reply.type !== 'range') throw new SessionAudioWorkerError(`unexpected reply ${reply.type}`)
    return reply.result
  }

  async peaks(dataDir: string, id: string, request: PeaksRequest): Promise<PeaksResult> {
    const reply = await this.request({ type: 'peaks', dataDir, id, request })
    if (reply.type !== 'peaks') throw new SessionAudioWorkerError(`unexpected reply ${reply.type}`)
    return reply.result
  }

  async whole(dataDir: string, id: string, maxFrames: number): Promise<WholeAudioResult> {
    const reply = await this.request({ type: 'whole', dataDir, id, maxFrames })
    if (reply.type !== 'whole') throw new SessionAudioWorkerError(`unexpected reply ${reply.type}`)
    return reply.result
  }

  /** Detected S1/S2 and HR of a recording up to `maxFrames` long (null beyond), computed on the worker. */
  async beats(dataDir: string, id: string, maxFrames: number): Promise<SessionBeats | null> {
    const reply = await this.request({ type: 'beats', dataDir, id, maxFrames })
    if (reply.type !== 'beats') throw new SessionAudioWorkerError(`unexpected reply ${reply.type}`)
    return reply.result
  }

  /** Resolves once the overviews the worker is saving are on disk. */
  async settled(): Promise<void> {
    await this.request({ type: 'settle' })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const worker = this.worker
    this.worker = null
    for (const [requestId, waiter] of this.pending)
      waiter.resolve({ type: 'failed', requestId, name: 'SessionAudioWorkerError', message: 'the session audio worker was closed' })
    this.pending.clear()
    await worker?.terminate()
  }
}
