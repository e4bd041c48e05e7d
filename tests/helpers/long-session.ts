/**
 * Long sessions for the library tests and the bench: the demo recording (a real CirCor heart,
 * samples/50238_MV.wav) looped for as long as asked, written with the real recorder in 1-s
 * chunks, so the folder is exactly what a bedside recording of that length leaves (its peak
 * overview included, saved at stop).
 */
import { join } from 'node:path'
import { DEFAULT_DEMO_RECORDING } from '../../src/main/api/create-backend'
import { readWavMono } from '../../src/main/io/wav-file'
import { SessionRecorder } from '../../src/main/sessions/session-recorder'

const ROOT = join(__dirname, '../..')

export interface RecordedSession {
  id: string
  dir: string
  frames: number
  sampleRateHz: number
  /** Whether the recorder saved the peak overview (peaks.bin). */
  overviewSaved: boolean
}

/** The demo recording, looped: sample i of a seeded session is `demoSample(i)`. */
export function loadDemo(): { samples: Float32Array; sampleRateHz: number } {
  return readWavMono(join(ROOT, 'samples', DEFAULT_DEMO_RECORDING))
}

export async function recordLongSession(dataDir: string, seconds: number): Promise<RecordedSession> {
  const demo = loadDemo()
  const rate = demo.sampleRateHz
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz: rate,
    location: 'MV',
    device: { id: 'seed', name: 'seed' },
    modelId: null,
    notes: `${seconds} s of the demo recording, looped`,
  })
  const total = Math.round(seconds * rate)
  const chunk = new Float32Array(rate)
  for (let at = 0; at < total; at += rate) {
    const samples = chunk.subarray(0, Math.min(rate, total - at))
    for (let i = 0; i < samples.length; i++) samples[i] = demo.samples[(at + i) % demo.samples.length] as number
    recorder.appendAudio({ samples, sampleRateHz: rate, firstSampleIndex: at })
  }
  const meta = recorder.stop()
  return { id: meta.id, dir: recorder.dir, frames: meta.audio.frames, sampleRateHz: rate, overviewSaved: recorder.overviewSaved }
}
