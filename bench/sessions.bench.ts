/**
 * Cost of crash-safe recording and of exports on this machine's disk: per-chunk append time,
 * per-second header patch + fsync time, export (folder, zip) and repair times for a 60-s session.
 * Run: npx tsx bench/sessions.bench.ts [dataDirParent]   (default: the OS temp folder)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeWav } from '../src/core/wav/wav-reader'
import { exportSession } from '../src/main/sessions/exporter'
import { repairSessionDir } from '../src/main/sessions/repair'
import { SessionRecorder } from '../src/main/sessions/session-recorder'
import { SessionLibrary } from '../src/main/sessions/session-store'

const parent = process.argv[2] ?? tmpdir()
const root = mkdtempSync(join(parent, 'ausculta-bench-'))
const wavPath = join(__dirname, '../tests/fixtures/circor/14241_AV.wav')
const source = decodeWav(readFileSync(wavPath), '14241_AV.wav').channelData[0] as Float32Array
const rateHz = 4000
const chunkFrames = rateHz / 10 // 100-ms chunks, as a sound card delivers them
const seconds = 60

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b)
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  return `mean ${mean.toFixed(3)} ms, median ${p(0.5).toFixed(3)}, p99 ${p(0.99).toFixed(3)}, max ${(sorted.at(-1) as number).toFixed(3)} (n=${ms.length})`
}

async function main(): Promise<void> {
  const dataDir = join(root, 'data')
  const recorder = SessionRecorder.start({ dataDir, sampleRateHz: rateHz, location: 'AV', device: { id: 'bench', name: 'bench' }, modelId: null })
  const appendMs: number[] = []
  const syncMs: number[] = []
  for (let i = 0; i < (seconds * rateHz) / chunkFrames; i++) {
    const at = (i * chunkFrames) % (source.length - chunkFrames)
    let t = performance.now()
    recorder.appendAudio({ samples: source.subarray(at, at + chunkFrames), sampleRateHz: rateHz, firstSampleIndex: i * chunkFrames })
    appendMs.push(performance.now() - t)
    if (i % 10 === 9) {
      // What the 1-s timer does in real time: header patch + fsync of WAV and trace.
      t = performance.now()
      recorder.sync()
      syncMs.push(performance.now() - t)
      recorder.appendWindowEvent({ timeS: (i + 1) / 10, hrBpm: 80, confidence: 0.9, layers: [{ index: 0, hrBpm: 80, confidence: 0.9 }], classicalHrBpm: 80, classicalQuality: 0.8 })
    }
  }
  // The real periodic path: header patched on the main thread, fsync on the thread pool. A
  // 1-ms interval makes every append take it; a short pause lets the fsyncs run as in real time.
  const live = SessionRecorder.start({ dataDir, sampleRateHz: rateHz, location: 'PV', device: { id: 'bench', name: 'bench' }, modelId: null, syncIntervalMs: 1 })
  const livePatchMs: number[] = []
  for (let i = 0; i < 200; i++) {
    const at = (i * chunkFrames) % (source.length - chunkFrames)
    const t0 = performance.now()
    live.appendAudio({ samples: source.subarray(at, at + chunkFrames), sampleRateHz: rateHz, firstSampleIndex: i * chunkFrames })
    livePatchMs.push(performance.now() - t0)
    await new Promise((r) => setTimeout(r, 5))
  }
  live.stop()

  let t = performance.now()
  recorder.stop()
  const stopMs = performance.now() - t
  const wavBytes = statSync(join(recorder.dir, 'audio.wav')).size

  const library = new SessionLibrary(dataDir)
  const out = join(root, 'out')
  mkdirSync(out)
  t = performance.now()
  exportSession(library, recorder.id, out, 'folder')
  const folderMs = performance.now() - t
  t = performance.now()
  const zip = exportSession(library, recorder.id, out, 'zip')
  const zipMs = performance.now() - t
  t = performance.now()
  repairSessionDir(recorder.dir)
  const scanMs = performance.now() - t

  console.log(`data dir: ${parent}`)
  console.log(`append 100-ms chunk (float32, ${chunkFrames * 4} B): ${stats(appendMs)}`)
  console.log(`synchronous header patch + fsync (sync(), what stop() pays): ${stats(syncMs)}`)
  console.log(`main-thread cost of append + periodic header patch (fsync in background): ${stats(livePatchMs)}`)
  console.log(`stop (final sync + atomic session.json): ${stopMs.toFixed(2)} ms`)
  console.log(`WAV for ${seconds} s: ${(wavBytes / 1e6).toFixed(2)} MB`)
  console.log(`export folder: ${folderMs.toFixed(1)} ms; zip: ${zipMs.toFixed(1)} ms, ${(statSync(zip.path).size / 1e6).toFixed(2)} MB (${((100 * statSync(zip.path).size) / wavBytes).toFixed(0)} % of the WAV)`)
  console.log(`repair check of a finished session: ${scanMs.toFixed(2)} ms`)
}

main()
  .catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(() => rmSync(root, { recursive: true, force: true }))
