/**
 * The session audio worker: reads ranges, peaks and overviews of recordings for the library
 * (session-audio-reader.ts) on a thread of its own. The main thread carries the capture →
 * recorder path and the live events; opening an hours-long session must not take a millisecond
 * of it beyond passing the (transferred, not copied) reply on.
 *
 * Requests run concurrently: each awaits its file reads, so a lazy overview build (a 3-h WAV read
 * 1 MB at a time) never holds up the range a playing session needs next.
 */
import { parentPort } from 'node:worker_threads'
import { resample } from '../../core/dsp/resample'
import { MAX_AUDIO_RANGE_FRAMES } from '../../core/sessions/audio-range'
import { beatsFromAudio } from '../../core/sessions/session-beats'
import type { SessionAudioReply, SessionAudioRequest } from './session-audio-protocol'
import { SessionAudioReader } from './session-audio-reader'

if (!parentPort) throw new Error('session-audio-worker must run in a worker thread')
const port = parentPort
const reader = new SessionAudioReader()
const DETECTION_RATE_HZ = 4000

async function handle(request: SessionAudioRequest): Promise<void> {
  const { requestId } = request
  switch (request.type) {
    case 'range': {
      const result = await reader.range(request.dataDir, request.id, request.startFrame, request.frames)
      port.postMessage({ type: 'range', requestId, result } satisfies SessionAudioReply, [result.samples.buffer as ArrayBuffer])
      return
    }
    case 'peaks': {
      const result = await reader.peaks(request.dataDir, request.id, request.request)
      // A slice of a remembered overview is its own copy: safe to hand over.
      port.postMessage({ type: 'peaks', requestId, result } satisfies SessionAudioReply, [result.minMax.buffer as ArrayBuffer])
      return
    }
    case 'whole': {
      const result = await reader.whole(request.dataDir, request.id, request.maxFrames)
      port.postMessage({ type: 'whole', requestId, result } satisfies SessionAudioReply)
      return
    }
    case 'beats': {
      const head = await reader.range(request.dataDir, request.id, 0, 1)
      if (head.totalFrames > request.maxFrames) {
        port.postMessage({ type: 'beats', requestId, result: null } satisfies SessionAudioReply)
        return
      }
      const whole = new Float32Array(head.totalFrames)
      for (let start = 0; start < whole.length; start += MAX_AUDIO_RANGE_FRAMES) {
        const frames = Math.min(MAX_AUDIO_RANGE_FRAMES, whole.length - start)
        whole.set((await reader.range(request.dataDir, request.id, start, frames)).samples, start)
      }
      // The detector is tuned at 4 kHz (CirCor's rate); a 44.1-kHz import is brought down to it first.
      const rate = Math.min(head.sampleRateHz, DETECTION_RATE_HZ)
      const samples = rate === head.sampleRateHz ? whole : resample(whole, head.sampleRateHz, rate)
      port.postMessage({ type: 'beats', requestId, result: beatsFromAudio(samples, rate) } satisfies SessionAudioReply)
      return
    }
    case 'settle':
      await reader.settled()
      port.postMessage({ type: 'settled', requestId } satisfies SessionAudioReply)
      return
  }
}

port.on('message', (request: SessionAudioRequest) => {
  handle(request).catch((error: unknown) => {
    const reply: SessionAudioReply = {
      type: 'failed',
      requestId: request.requestId,
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    }
    port.postMessage(reply)
  })
})
