/**
 * Child process for the SIGKILL test: records a CirCor WAV into a session at real-time pace
 * (100-ms chunks every 100 ms, one HR window event per second) and reports its progress as one
 * JSON line per chunk on stdout, so the parent knows how much audio existed when it killed us.
 * Usage: node --import tsx recording-child.ts <dataDir> <wavPath>
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { decodeWav } from '../../../../src/core/wav/wav-reader'
import { SessionRecorder } from '../../../../src/main/sessions/session-recorder'

const [dataDir, wavPath] = process.argv.slice(2) as [string, string]
const source = decodeWav(readFileSync(wavPath), basename(wavPath))
const samples = source.channelData[0] as Float32Array
const chunkFrames = source.sampleRateHz / 10

const recorder = SessionRecorder.start({
  dataDir,
  sampleRateHz: source.sampleRateHz,
  location: 'AV',
  patient: { id: 'sigkill-test' },
  device: { id: 'demo', name: `demo: ${basename(wavPath)}` },
  modelId: null,
})
process.stdout.write(`${JSON.stringify({ event: 'started', id: recorder.id, dir: recorder.dir })}\n`)

let next = 0
const timer = setInterval(() => {
  if (next >= samples.length) {
    clearInterval(timer)
    return
  }
  const chunk = samples.subarray(next, Math.min(samples.length, next + chunkFrames))
  recorder.appendAudio({ samples: chunk, sampleRateHz: source.sampleRateHz, firstSampleIndex: next })
  next += chunk.length
  if (next % source.sampleRateHz === 0) {
    const timeS = next / source.sampleRateHz
    recorder.appendWindowEvent({
      timeS,
      hrBpm: 100 + timeS,
      confidence: 0.9,
      layers: [{ index: 0, hrBpm: 101, confidence: 0.5 }],
      classicalHrBpm: 99,
      classicalQuality: 0.8,
    })
  }
  process.stdout.write(
    `${JSON.stringify({ event: 'progress', framesWritten: recorder.framesWritten, framesInHeader: recorder.framesInHeader })}\n`,
  )
}, 100)
