/**
 * Live listening latency: a click train is played into the null sink `ausculta_in`, captured
 * through the PortAudio addon (source `ausculta_mic`), passed through the listening path and
 * played into the null sink `ausculta_out`, whose monitor (`ausculta_out_mic`) a second addon
 * capture records. Each click's time in both captures gives the input-to-output latency: the
 * time from the sound being at the input to it being at the output, so it includes the input
 * capture's buffering, the processing and the output's buffering.
 *
 * Both captures are mapped to one clock (process.hrtime) the same way: a buffer that arrives at
 * time T and ends at frame F says frame f was captured no later than T − (F − f)/rate; the
 * smallest such offset over the run is each stream's clock. The two capture streams have the
 * same kind of delay, so it cancels in the difference.
 *
 * Prints median and p95 latency, and the output underruns over the run (default 60 s; set
 * LISTEN_BENCH_SECONDS for a shorter run). Starts its own PulseAudio (scripts/start-pulse-listen.sh)
 * and stops it at the end. Run: npm run bench:listen
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListeningPath } from '../src/core/dsp/listening-path'
import { openAudioOutput } from '../src/main/audio/audio-output'
import { loadAudioAddon, type AudioBinding, type NativeInputStream, type NativeStreamEvent } from '../src/main/devices/audio-addon'

const SECONDS = Number(process.env.LISTEN_BENCH_SECONDS ?? 60)
const RATE_HZ = 8000
const FRAMES_PER_BUFFER = 64
const OUTPUT_LATENCY_MS = Number(process.env.LISTEN_BENCH_OUTPUT_MS ?? 30)
const CLICK_PERIOD_S = 0.5
const PLAY_RATE_HZ = 48000

function startPulse(): { pid: number; runtimeDir: string; env: NodeJS.ProcessEnv } {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'ausculta-listen-'))
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir, PULSE_SERVER: `unix:${join(runtimeDir, 'pulse/native')}` }
  const result = spawnSync('bash', [join(__dirname, '..', 'scripts', 'start-pulse-listen.sh')], { env, encoding: 'utf8', timeout: 20_000 })
  const match = /pulseaudio pid (\d+)/.exec(result.stdout ?? '')
  if (result.status !== 0 || !match) throw new Error(`start-pulse-listen.sh failed (exit ${result.status}): ${result.stdout}${result.stderr}`)
  // The addon's ALSA pulse plugin reads these from this process's environment when it connects.
  process.env.XDG_RUNTIME_DIR = runtimeDir
  process.env.PULSE_SERVER = env.PULSE_SERVER
  return { pid: Number(match[1]), runtimeDir, env }
}

/** A click: 4 ms of a 400-Hz tone burst (inside every listening band), at half scale. */
function clickTrain(seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * PLAY_RATE_HZ))
  const clickLength = Math.round(0.004 * PLAY_RATE_HZ)
  for (let start = Math.round(0.5 * PLAY_RATE_HZ); start + clickLength < x.length; start += Math.round(CLICK_PERIOD_S * PLAY_RATE_HZ)) {
    for (let k = 0; k < clickLength; k++) x[start + k] = 0.5 * Math.sin((2 * Math.PI * 400 * k) / PLAY_RATE_HZ)
  }
  return x
}

interface Capture {
  stream: NativeInputStream
  samples: number[]
  /** Smallest (arrival − end frame / rate) seen: frame f was at the source at clockS + f / rate. */
  clockS: number
  overflows: number
}

function openCapture(binding: AudioBinding, deviceIndex: number, source: string, onData?: (data: Float32Array) => void): Capture {
  // libpulse (under the ALSA pulse plugin) reads PULSE_SOURCE when the stream connects: the
  // stream is then bound to that source (changing the default source would move both).
  process.env.PULSE_SOURCE = source
  const capture: Capture = { stream: undefined as unknown as NativeInputStream, samples: [], clockS: Infinity, overflows: 0 }
  capture.stream = new binding.InputStream({ deviceIndex, sampleRateHz: RATE_HZ, channels: 1, framesPerBuffer: FRAMES_PER_BUFFER, startupGraceMs: 5000 }, (event: NativeStreamEvent) => {
    if (event.type !== 'data') return
    const arrivalS = Number(process.hrtime.bigint()) / 1e9
    const endFrame = event.firstFrameIndex + event.data.length
    capture.clockS = Math.min(capture.clockS, arrivalS - endFrame / RATE_HZ)
    if (event.overflow) capture.overflows++
    for (const v of event.data) capture.samples.push(v)
    onData?.(event.data)
  })
  capture.stream.start(1)
  return capture
}

/** Frames where the signal first exceeds `threshold` after at least `gapFrames` below it. */
function onsets(samples: number[], threshold: number, gapFrames: number): number[] {
  const found: number[] = []
  let last = -Infinity
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > threshold) {
      if (i - last > gapFrames) found.push(i)
      last = i
    }
  }
  return found
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function main(): Promise<void> {
  const pulse = startPulse()
  try {
    const binding = loadAudioAddon()
    if (binding instanceof Error) throw binding
    const devices = binding.rescanInputDevices() ?? binding.listInputDevices()
    const device = devices.find((d) => d.name === 'pulse')
    if (!device) throw new Error(`no 'pulse' input device among ${devices.map((d) => d.name).join(', ')}`)

    const path = new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'wide', gainDb: 0 })
    const backend = (process.env.LISTEN_BENCH_OUTPUT ?? 'auto') as 'auto' | 'addon' | 'pacat'
    const output = openAudioOutput({ sampleRateHz: RATE_HZ, device: 'ausculta_out', latencyMs: OUTPUT_LATENCY_MS, backend }, pulse.env)
    await output.ready()
    let processMs = 0
    let chunks = 0
    const arrivalGapsMs: number[] = []
    let lastArrival = 0n
    const input = openCapture(binding, device.index, 'ausculta_mic', (data) => {
      const t0 = process.hrtime.bigint()
      if (lastArrival > 0n) arrivalGapsMs.push(Number(t0 - lastArrival) / 1e6)
      lastArrival = t0
      output.write(path.process(data))
      processMs += Number(process.hrtime.bigint() - t0) / 1e6
      chunks++
    })
    await sleep(1500)
    const recorded = openCapture(binding, device.index, 'ausculta_out_mic')
    await sleep(2500)
    const underrunsBefore = output.underruns
    if (process.env.LISTEN_BENCH_DEBUG) console.log(spawnSync('pactl', ['list', 'short', 'source-outputs'], { env: pulse.env, encoding: 'utf8' }).stdout, spawnSync('pactl', ['list', 'short', 'sources'], { env: pulse.env, encoding: 'utf8' }).stdout)

    const player = spawn('pacat', ['--playback', '--raw', '--format=float32le', `--rate=${PLAY_RATE_HZ}`, '--channels=1', '--device=ausculta_in', '--latency-msec=50'], { env: pulse.env, stdio: ['pipe', 'ignore', 'inherit'] })
    const train = clickTrain(SECONDS)
    player.stdin.end(Buffer.from(train.buffer))
    await new Promise((resolve) => player.on('exit', resolve))
    await sleep(1000)
    const underruns = output.underruns - underrunsBefore

    input.stream.close(2)
    recorded.stream.close(3)
    output.abort()

    // Clicks are 0.5 apart; a 0.25-s gap separates them. Threshold: a quarter of the click's 0.5.
    const gap = Math.round(0.25 * RATE_HZ)
    const inOnsets = onsets(input.samples, 0.125, gap).map((f) => input.clockS + f / RATE_HZ)
    const outOnsets = onsets(recorded.samples, 0.125, gap).map((f) => recorded.clockS + f / RATE_HZ)
    if (process.env.LISTEN_BENCH_DEBUG) console.log('peaks', Math.max(...input.samples.map(Math.abs)), Math.max(...recorded.samples.map(Math.abs)), input.samples.length, recorded.samples.length)
    const latenciesMs: number[] = []
    for (const t of inOnsets) {
      const next = outOnsets.find((u) => u >= t - 0.01 && u < t + CLICK_PERIOD_S / 2)
      if (next !== undefined) latenciesMs.push((next - t) * 1000)
    }
    latenciesMs.sort((a, b) => a - b)
    const quantile = (p: number): number => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN
    const expectedClicks = Math.floor((SECONDS - 0.5) / CLICK_PERIOD_S)
    console.log(`listening latency over ${SECONDS} s (capture ${RATE_HZ} Hz, ${FRAMES_PER_BUFFER}-frame buffers, wide filter, ${path.latencySamples}-sample look-ahead, output ${output.description} at ${OUTPUT_LATENCY_MS} ms)`)
    console.log(`  clicks: ${expectedClicks} played, ${inOnsets.length} captured at the input, ${latenciesMs.length} matched at the output`)
    console.log(`  input-to-output latency: median ${quantile(0.5).toFixed(1)} ms, p95 ${quantile(0.95).toFixed(1)} ms, min ${quantile(0).toFixed(1)} ms, max ${quantile(1).toFixed(1)} ms`)
    console.log(`  output underruns: ${underruns}; input overflows: ${input.overflows}`)
    arrivalGapsMs.sort((a, b) => a - b)
    console.log(`  input buffers: ${FRAMES_PER_BUFFER} frames = ${((1000 * FRAMES_PER_BUFFER) / RATE_HZ).toFixed(0)} ms each, arriving every ${arrivalGapsMs[Math.floor(arrivalGapsMs.length / 2)]?.toFixed(1)} ms (median), p99 ${arrivalGapsMs[Math.floor(arrivalGapsMs.length * 0.99)]?.toFixed(1)} ms, max ${arrivalGapsMs[arrivalGapsMs.length - 1]?.toFixed(1)} ms`)
    console.log(`  processing: ${(processMs / Math.max(1, chunks)).toFixed(3)} ms per ${FRAMES_PER_BUFFER}-frame chunk (${chunks} chunks)`)
  } finally {
    try {
      process.kill(pulse.pid, 'SIGTERM')
    } catch {
      // already gone
    }
    await sleep(200)
    rmSync(pulse.runtimeDir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
