/**
 * Throughput of the core audio library on this machine. Prints figures; asserts nothing.
 * Run: npm run bench:dsp
 */
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { autocorrelation } from '../src/core/dsp/autocorrelation'
import { pcgEnvelope } from '../src/core/dsp/envelope'
import { fftInPlace } from '../src/core/dsp/fft'
import { analyticAmplitude } from '../src/core/dsp/hilbert'
import { detectBeats } from '../src/core/hr/beat-detection'
import {
  CLASSICAL_HR_TUNING,
  envelopeAutocorrelation,
  estimateHrClassical,
  hrFromEnvelopeAutocorrelation,
} from '../src/core/hr/classical-hr'
import { createListeningFilter } from '../src/core/dsp/listening-filters'
import { StreamingResampler, resample } from '../src/core/dsp/resample'
import { decodeWav, downmixToMono } from '../src/core/wav/wav-reader'
import { encodeWav } from '../src/core/wav/wav-writer'

const WAV = fileURLToPath(new URL('../tests/fixtures/circor/14241_AV.wav', import.meta.url))

/** Median time of `runs` calls after a warm-up, in ms. */
function time(runs: number, fn: () => unknown): number {
  fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    fn()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

function report(name: string, ms: number, audioSeconds?: number): void {
  const speed = audioSeconds ? `  ${((audioSeconds * 1000) / ms).toFixed(0).padStart(6)}× real time` : ''
  console.log(`${name.padEnd(52)} ${ms.toFixed(3).padStart(9)} ms${speed}`)
}

const bytes = new Uint8Array(readFileSync(WAV))
const audio = decodeWav(bytes, WAV)
const mono = downmixToMono(audio)
const seconds = audio.frames / audio.sampleRateHz
console.log(`node ${process.version}; CirCor 14241_AV.wav: ${seconds.toFixed(2)} s at ${audio.sampleRateHz} Hz (median of repeated runs)\n`)

report(
  'decodeWav (pcm16 mono)',
  time(20, () => decodeWav(bytes)),
  seconds,
)
report(
  'encodeWav pcm16',
  time(20, () => encodeWav(audio.channelData, 4000, 'pcm16')),
  seconds,
)

const tone = (rateHz: number, s: number) => Float32Array.from({ length: rateHz * s }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / rateHz))
for (const [from, to] of [
  [44100, 4000],
  [48000, 4000],
  [96000, 4000],
  [16000, 4000],
  [4000, 48000],
] as const) {
  const x = tone(from, 5)
  const k = new StreamingResampler(from, to).decimationFactor
  report(
    `resample ${from} → ${to} (5 s)${k > 1 ? `, ÷${k} first` : ''}`,
    time(5, () => resample(x, from, to)),
    5,
  )
}
for (const from of [48000, 44100]) {
  // A capture callback delivers 10 ms at a time. Sound-card rates take the two-stage path
  // (decimate by k, then the polyphase bank); the figure is the live monitor's resampling cost.
  const x = tone(from, 5)
  const chunk = from / 100
  report(
    `StreamingResampler ${from} → 4000, 10-ms chunks (5 s)`,
    time(5, () => {
      const stream = new StreamingResampler(from, 4000)
      for (let at = 0; at < x.length; at += chunk) stream.process(x.subarray(at, at + chunk))
      stream.flush()
    }),
    5,
  )
}
report(
  'listening filter diaphragm, 4 kHz',
  time(20, () => createListeningFilter('diaphragm', 4000).process(mono)),
  seconds,
)
const window = mono.subarray(0, 20000)
report(
  'pcgEnvelope, one 5-s window',
  time(20, () => pcgEnvelope(window, 4000)),
  5,
)
report(
  'pcgEnvelope, whole recording',
  time(5, () => pcgEnvelope(mono, 4000)),
  seconds,
)
const envelope = pcgEnvelope(window, 4000).envelope
report(
  'autocorrelation, 250-sample envelope, 150 lags',
  time(200, () => autocorrelation(envelope, 150)),
)
const re = new Float64Array(4096)
const im = new Float64Array(4096)
report(
  'fft 4096 points',
  time(200, () => fftInPlace(re, im)),
)
const noise = Float32Array.from({ length: 20000 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1)
report(
  'analyticAmplitude, 20000 samples (full rate)',
  time(20, () => analyticAmplitude(noise)),
)

// The live monitor's unit of work (issue 5: ≤ 5 ms of CPU per window for everything): every
// 5-s window at a 1-s hop of the samples/ recordings, median per window.
const SAMPLES = fileURLToPath(new URL('../samples/', import.meta.url))
const windows = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.wav'))
  .sort()
  .flatMap((f) => {
    const x = downmixToMono(decodeWav(new Uint8Array(readFileSync(SAMPLES + f)), f))
    const out: Float32Array[] = []
    for (let start = 0; start + 20000 <= x.length; start += 4000) out.push(x.subarray(start, start + 20000))
    return out
  })

function perWindow(name: string, fn: (window: Float32Array) => unknown): void {
  for (const w of windows) fn(w)
  const times: number[] = []
  for (let round = 0; round < 5; round++) {
    for (const w of windows) {
      const start = performance.now()
      fn(w)
      times.push(performance.now() - start)
    }
  }
  times.sort((a, b) => a - b)
  report(name, times[Math.floor(times.length / 2)]!, 5)
}

const t = CLASSICAL_HR_TUNING
console.log(`\nper 5-s window at 4 kHz (${windows.length} windows of samples/, 1-s hop, median):`)
perWindow('estimateHrClassical', (w) => estimateHrClassical(w, 4000))
perWindow('pcgEnvelope, classical (25–150 Hz, 50 Hz)', (w) =>
  pcgEnvelope(w, 4000, {
    bandLowHz: t.bandLowHz,
    bandHighHz: t.bandHighHz,
    method: t.envelopeMethod,
    envelopeRateHz: t.envelopeRateHz,
    lowpassHz: t.envelopeLowpassHz,
  }),
)
perWindow('pcgEnvelope, beat detector (25–400 Hz, 100 Hz)', (w) =>
  pcgEnvelope(w, 4000, { bandHighHz: 400, envelopeRateHz: 100, lowpassHz: 8 }),
)
perWindow('pcgEnvelope, defaults (homomorphic, 50 Hz)', (w) => pcgEnvelope(w, 4000))
perWindow('detectBeats', (w) => detectBeats(w, 4000))
perWindow('estimateHrClassical + detectBeats, each on its own', (w) => {
  estimateHrClassical(w, 4000)
  detectBeats(w, 4000)
})
perWindow('the same sharing the envelope ACF', (w) => {
  const acf = envelopeAutocorrelation(w, 4000, 2)
  hrFromEnvelopeAutocorrelation(acf, w.length, 4000)
  detectBeats(w, 4000, undefined, acf)
})
