/**
 * Serial decoder throughput on a real recording (samples/50238_MV.wav, 21 s at 4 kHz), clean and
 * with 1 % of bytes corrupted. Prints figures; no assertions. Run: npx tsx bench/serial-decoder.bench.ts
 */
import { join } from 'node:path'
import { SerialDecoder } from '../src/core/serial/serial-decoder'
import { encodeAudioFrame, encodeEndFrame } from '../src/core/serial/serial-frame'
import { readWavMono } from '../src/main/io/wav-file'

const { samples, sampleRateHz } = readWavMono(join(__dirname, '../samples/50238_MV.wav'))
const FRAME_SAMPLES = 128
const parts: Uint8Array[] = []
let sequence = 0
for (let start = 0; start < samples.length; start += FRAME_SAMPLES) {
  parts.push(
    encodeAudioFrame({
      sequence: sequence++,
      sampleRateHz,
      firstSampleIndex: start,
      samples: samples.subarray(start, start + FRAME_SAMPLES),
    }),
  )
}
parts.push(encodeEndFrame(sequence, samples.length))
const clean = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
let offset = 0
for (const p of parts) {
  clean.set(p, offset)
  offset += p.length
}
let seed = 12345
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296
const corrupted = clean.slice(0, clean.length - parts.at(-1)!.length).map((b) => (random() < 0.01 ? b ^ 0x5a : b))
const corruptedStream = new Uint8Array(clean.length)
corruptedStream.set(corrupted)
corruptedStream.set(parts.at(-1)!, corrupted.length)

function run(name: string, stream: Uint8Array, chunkBytes: number): void {
  const repeats = 20
  let stats
  const started = performance.now()
  for (let r = 0; r < repeats; r++) {
    const decoder = new SerialDecoder()
    for (let o = 0; o < stream.length; o += chunkBytes) decoder.push(stream.subarray(o, o + chunkBytes))
    decoder.flush()
    stats = decoder.stats
  }
  const seconds = (performance.now() - started) / 1000
  const mbPerS = (stream.length * repeats) / seconds / 1e6
  const audioSeconds = samples.length / sampleRateHz
  console.log(
    `${name.padEnd(28)} ${mbPerS.toFixed(1).padStart(6)} MB/s, ${((audioSeconds * repeats) / seconds).toFixed(0).padStart(6)}x ` +
      `real time, chunks ${chunkBytes} B; ${JSON.stringify(stats)}`,
  )
}

console.log(
  `serial decoder, ${samples.length} samples @ ${sampleRateHz} Hz in ${parts.length} frames (${clean.length} bytes), ${process.version}`,
)
run('clean, 64-byte reads', clean, 64)
run('clean, 4096-byte reads', clean, 4096)
run('1 % corrupted, 64-byte reads', corruptedStream, 64)
run('1 % corrupted, 4096-byte', corruptedStream, 4096)
