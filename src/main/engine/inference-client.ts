/**
 * The main-thread side of the inference worker. At most one window is in flight and at most one
 * waits behind it: when a newer window arrives while one is waiting, the older one is dropped and
 * counted. Latency therefore stays bounded on a slow machine instead of a queue growing forever.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { AuscultaError } from '../../core/errors'
import type { ExecutionProviderChoice } from '../model/execution-providers'
import type { LoadedModelInfo, WindowAnalysis, WorkerRequest, WorkerResponse } from './inference-protocol'

export class InferenceWorkerError extends AuscultaError {}

export interface WindowJob<T> {
  window: Float32Array
  sampleRateHz: number
  /** Caller's bookkeeping, handed back with the result. */
  meta: T
}

export type AnalysisListener<T> = (result: { meta: T; analysis: WindowAnalysis } | { meta: T; error: InferenceWorkerError }) => void

function workerEntry(): { file: string; workerData?: { entry: string } } {
  const built = join(__dirname, 'inference-worker.js')
  if (existsSync(built)) return { file: built }
  // Running from TypeScript sources (CLI through tsx, tests): bootstrap tsx inside the worker.
  const candidates = [join(__dirname, 'inference-worker.ts'), join(__dirname, 'engine', 'inference-worker.ts')]
  const source = candidates.find((path) => existsSync(path))
  if (!source) throw new InferenceWorkerError(`inference worker not found next to ${__dirname}`)
  return { file: join(source, '..', 'worker-bootstrap.cjs'), workerData: { entry: source } }
}

export class InferenceClient<T> {
  private readonly worker: Worker
  private nextRequestId = 1
  private readonly pendingReplies = new Map<number, (response: WorkerResponse) => void>()
  private inFlight: WindowJob<T> | null = null
  private waiting: WindowJob<T> | null = null
  private readonly idleWaiters: Array<() => void> = []
  private closed = false
  droppedWindows = 0
  analysedWindows = 0

  constructor(private readonly onAnalysis: AnalysisListener<T>) {
    const entry = workerEntry()
    this.worker = new Worker(entry.file, { workerData: entry.workerData })
    this.worker.on('message', (response: WorkerResponse) => {
      const resolve = this.pendingReplies.get(response.requestId)
      this.pendingReplies.delete(response.requestId)
      resolve?.(response)
    })
    this.worker.on('error', (error) => this.failAll(new InferenceWorkerError(`inference worker crashed: ${error.message}`)))
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new InferenceWorkerError(`inference worker exited with code ${code}`))
    })
  }

  private failAll(error: InferenceWorkerError): void {
    for (const resolve of this.pendingReplies.values()) resolve({ type: 'failed', requestId: -1, name: error.name, message: error.message })
    this.pendingReplies.clear()
  }

  private request(message: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
    if (this.closed)
      return Promise.resolve({
        type: 'failed',
        requestId: message.requestId,
        name: 'InferenceWorkerError',
        message: 'inference worker is closed',
      })
    return new Promise((resolve) => {
      this.pendingReplies.set(message.requestId, resolve)
      this.worker.postMessage(message, transfer)
    })
  }

  async loadModel(onnxPath: string, executionProvider: ExecutionProviderChoice = 'cpu'): Promise<LoadedModelInfo> {
    const response = await this.request({ type: 'load', requestId: this.nextRequestId++, onnxPath, executionProvider })
    if (response.type === 'loaded') return response.info
    throw new InferenceWorkerError(
      response.type === 'failed' ? `${response.name}: ${response.message}` : `unexpected reply ${response.type}`,
    )
  }

  /** Makes every inference take at least this long: a deliberately slow worker for tests. */
  async setArtificialDelay(delayMs: number): Promise<void> {
    await this.request({ type: 'configure', requestId: this.nextRequestId++, artificialDelayMs: delayMs })
  }

  /** Queues a window; drops the one waiting (not the one running) if the worker is behind. */
  submit(job: WindowJob<T>): void {
    if (this.closed) return
    if (this.inFlight === null) {
      this.start(job)
      return
    }
    if (this.waiting !== null) this.droppedWindows++
    this.waiting = job
  }

  /** True while nothing runs or waits. */
  get idle(): boolean {
    return this.inFlight === null && this.waiting === null
  }

  /** Resolves once no window is waiting behind the running one (for back-pressure). */
  whenReady(): Promise<void> {
    if (this.waiting === null) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Resolves once nothing runs or waits. */
  async drain(): Promise<void> {
    while (!this.idle) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  private start(job: WindowJob<T>): void {
    this.inFlight = job
    // The worker receives a copy it owns; transferring keeps the main thread from copying twice.
    const window = job.window.slice()
    void this.request({ type: 'infer', requestId: this.nextRequestId++, window, sampleRateHz: job.sampleRateHz }, [
      window.buffer as ArrayBuffer,
    ]).then((response) => {
      this.inFlight = null
      if (response.type === 'analysed') {
        this.analysedWindows++
        this.onAnalysis({ meta: job.meta, analysis: response.analysis })
      } else {
        const message = response.type === 'failed' ? `${response.name}: ${response.message}` : `unexpected reply ${response.type}`
        this.onAnalysis({ meta: job.meta, error: new InferenceWorkerError(message) })
      }
      const next = this.waiting
      this.waiting = null
      if (next) this.start(next)
      const waiters = this.idleWaiters.splice(0)
      for (const resolve of waiters) resolve()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await this.worker.terminate()
  }
}
