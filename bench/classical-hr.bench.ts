/**
 * Throughput of the classical HR estimator on one core: seconds of 4 kHz audio analysed per
 * second of CPU, with the app's and the protocol's 5-s windows at a 1-s hop over every
 * samples/ recording (so each second of audio is analysed about five times over). Also WAV
 * decoding and resampling to 4 kHz, the other steps of `ausculta analyze`. Prints; asserts
 * nothing. Run: npm run bench:hr
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { resample } from '../src/core/dsp/resample'
import { estimateHrClassical } from '../src/core/hr/classical-hr'
import { decodeWav, downmixToMono } from '../src/core/wav/wav-reader'

const SAMPLES = join(__dirname, '../samples')
const RATE_HZ = 4000

function best(runs: number, fn: () => void): number {
  fn()
  let fastest = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    fn()
    fastest = Math.min(fastest, performance.now() - start)
  }
  return fastest
}

const files = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.wav'))
  .sort()
const recordings = files.map((f) => {
  const bytes = new Uint8Array(readFileSync(join(SAMPLES, f)))
  const audio = decodeWav(bytes, f)
  return { name: f, bytes, samples: downmixToMono(audio), seconds: audio.frames / audio.sampleRateHz }
})
const totalSeconds = recordings.reduce((sum, r) => sum + r.seconds, 0)
console.log(
  `node ${process.version}; ${files.length} samples/ recordings, ${totalSeconds.toFixed(1)} s of 4 kHz audio (best of repeated ` +
    `runs, one thread)\n`,
)

let windows = 0
const hrMs = best(3, () => {
  windows = 0
  for (const r of recordings) {
    for (let start = 0; start + 5 * RATE_HZ <= r.samples.length; start += RATE_HZ) {
      estimateHrClassical(r.samples.subarray(start, start + 5 * RATE_HZ), RATE_HZ)
      windows++
    }
  }
})
console.log(`classical HR, 5-s windows at 1-s hop: ${windows} windows in ${hrMs.toFixed(0)} ms = ${(hrMs / windows).toFixed(2)} ms/window`)
console.log(`  ${((windows * 5) / (hrMs / 1000)).toFixed(0)} s of windowed audio per second (each window's 5 s counted)`)
console.log(
  `  ${(totalSeconds / (hrMs / 1000)).toFixed(0)} s of recording per second with the 1-s hop (a live monitor needs 1 window per ` +
    `second: ${(1000 / (hrMs / windows)).toFixed(0)}× headroom)`,
)

const decodeMs = best(10, () => {
  for (const r of recordings) decodeWav(r.bytes, r.name)
})
console.log(`\nWAV decode (pcm16 mono): ${(totalSeconds / (decodeMs / 1000)).toFixed(0)} s of audio per second`)

for (const fromHz of [44100, 48000, 8000]) {
  const seconds = 20
  const tone = Float32Array.from({ length: fromHz * seconds }, (_, i) => Math.sin((2 * Math.PI * 100 * i) / fromHz))
  const ms = best(3, () => resample(tone, fromHz, RATE_HZ))
  console.log(`resample ${fromHz} → ${RATE_HZ} Hz: ${(seconds / (ms / 1000)).toFixed(0)} s of audio per second`)
}
