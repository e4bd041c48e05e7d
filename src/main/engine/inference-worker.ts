/**
 * The inference worker: owns the one onnxruntime session and runs one window at a time, so the
 * main thread (devices, IPC, recording) never waits on the model. A model swap loads the new
 * session first and releases the old one only once the new one works.
 */
import { parentPort } from 'node:worker_threads'
import { AuscultaError } from '../../core/errors'
import { EncoderModel } from '../model/encoder-model'
import type { WorkerRequest, WorkerResponse } from './inference-protocol'
import { analyseWindow } from './window-analysis'

if (!parentPort) throw new Error('inference-worker must run in a worker thread')
const port = parentPort

let model: EncoderModel | null = null
let artificialDelayMs = 0

function reply(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer)
}

function failure(requestId: number, error: unknown): WorkerResponse {
  const name = error instanceof AuscultaError ? error.name : error instanceof Error ? error.name : 'Error'
  return { type: 'failed', requestId, name, message: error instanceof Error ? error.message : String(error) }
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'load': {
      const next = await EncoderModel.load(request.onnxPath, { executionProvider: request.executionProvider })
      const previous = model
      model = next
      if (previous) await previous.release()
      const note = next.providerAttempts
      reply({ type: 'loaded', requestId: request.requestId, info: { card: next.card, provider: next.provider, attempts: note } })
      return
    }
    case 'configure':
      artificialDelayMs = request.artificialDelayMs
      reply({ type: 'configured', requestId: request.requestId })
      return
    case 'infer': {
      // Tests set a delay to play a slow machine and exercise window dropping.
      if (artificialDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, artificialDelayMs))
      const analysis = await analyseWindow(request.window, request.sampleRateHz, model)
      reply({ type: 'analysed', requestId: request.requestId, analysis })
      return
    }
  }
}

// One request at a time, in order: onnxruntime sessions are not re-entrant for our purposes and a
// serial queue keeps the worker's memory bounded (the client never has more than two outstanding).
let queue: Promise<void> = Promise.resolve()
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => handle(request).catch((error: unknown) => reply(failure(request.requestId, error))))
})
