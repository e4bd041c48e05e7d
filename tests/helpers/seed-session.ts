/**
 * A finished session of `seconds` of the demo recording, written with the real recorder into a
 * data folder before a server starts on it: something for `sessions:audio` to answer with (its
 * reply is ~21 kB of base64 per second of audio at 4 kHz).
 */
import { join } from 'node:path'
import { DEFAULT_DEMO_RECORDING } from '../../src/main/api/create-backend'
import { readWavMono } from '../../src/main/io/wav-file'
import { SessionRecorder } from '../../src/main/sessions/session-recorder'

const ROOT = join(__dirname, '../..')

/** Returns the session's id. */
export function seedDemoSession(dataDir: string, seconds: number): string {
  const demo = readWavMono(join(ROOT, 'samples', DEFAULT_DEMO_RECORDING))
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz: demo.sampleRateHz,
    location: 'MV',
    device: { id: 'seed', name: 'seed' },
    modelId: null,
  })
  const total = Math.round(seconds * demo.sampleRateHz)
  const chunk = demo.sampleRateHz
  for (let at = 0; at < total; at += chunk) {
    const samples = new Float32Array(Math.min(chunk, total - at))
    for (let i = 0; i < samples.length; i++) samples[i] = demo.samples[(at + i) % demo.samples.length] as number
    recorder.appendAudio({ samples, sampleRateHz: demo.sampleRateHz, firstSampleIndex: at })
  }
  return recorder.stop().id
}
