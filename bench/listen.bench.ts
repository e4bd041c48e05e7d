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
 * The output is the addon's live mode: an adaptive jitter buffer (native/src/jitter-buffer.h)
 * with a LISTEN_BENCH_OUTPUT_MS floor (default 20) under a LISTEN_BENCH_MAX_MS bound (default 300).
 *
 * Prints median and p95 latency (overall and after the first 10 s), the output underruns in the
 * first 10 s and in the rest, the jitter-buffer target over time and at the end, over the run
 * (default 60 s; set LISTEN_BENCH_SECONDS for a shorter run), and the load average so the figures
 * can be read against what else ran. LISTEN_BENCH_LOAD=<n> adds n busy-loop processes for the
 * first LISTEN_BENCH_LOAD_SECONDS (default: the whole run) to show the adaptation reproducibly.
 * LISTEN_BENCH_REALTIME=0 leaves the output callback thread at normal priority.
 * Starts its own PulseAudio (scripts/start-pulse-listen.sh) and stops it at the end.
 * Run: npm run bench:listen
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { ListeningPath } from '../src/core/dsp/listening-path'
import { openAudioOutput, type AudioOutputStats } from '../src/main/audio/audio-output'
import { loadAudioAddon, type AudioBinding, type NativeInputStream, type NativeStreamEvent } from '../src/main/devices/audio-addon'
import { CLICK_GAP_S, CLICK_PERIOD_S, clickOnsets, clickTrain, PLAY_RATE_HZ, startListenPulse } from './helpers/click-train-rig'

const SECONDS = Number(process.env.LISTEN_BENCH_SECONDS ?? 60)
const RATE_HZ = 8000
const FRAMES_PER_BUFFER = 64
const OUTPUT_LATENCY_MS = Number(process.env.LISTEN_BENCH_OUTPUT_MS ?? 20)
const OUTPUT_MAX_MS = Number(process.env.LISTEN_BENCH_MAX_MS ?? 300)
const LOAD_PROCESSES = Number(process.env.LISTEN_BENCH_LOAD ?? 0)
/** LISTEN_BENCH_REALTIME=0: the output's callback thread at normal priority (to compare). */
const REALTIME = process.env.LISTEN_BENCH_REALTIME !== '0'
const LOAD_SECONDS = Number(process.env.LISTEN_BENCH_LOAD_SECONDS ?? SECONDS)
/** Underruns before this are the jitter buffer learning the load; after it they should stop. */
const SETTLE_S = 10
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
  capture.stream = new binding.InputStream(
    { deviceIndex, sampleRateHz: RATE_HZ, channels: 1, framesPerBuffer: FRAMES_PER_BUFFER, startupGraceMs: 5000 },
    (event: NativeStreamEvent) => {
      if (event.type !== 'data') return
      const arrivalS = Number(process.hrtime.bigint()) / 1e9
      const endFrame = event.firstFrameIndex + event.data.length
      capture.clockS = Math.min(capture.clockS, arrivalS - endFrame / RATE_HZ)
      if (event.overflow) capture.overflows++
      for (const v of event.data) capture.samples.push(v)
      onData?.(event.data)
    },
  )
  capture.stream.start(1)
  return capture
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** n processes spinning on a core each: a reproducible stand-in for a busy machine. */
function startLoad(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}

function stopLoad(children: ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
}

const fmt = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits)

async function main(): Promise<void> {
  const pulse = startListenPulse('ausculta-listen-')
  try {
    const binding = loadAudioAddon()
    if (binding instanceof Error) throw binding
    const devices = binding.rescanInputDevices() ?? binding.listInputDevices()
    const device = devices.find((d) => d.name === 'pulse')
    if (!device) throw new Error(`no 'pulse' input device among ${devices.map((d) => d.name).join(', ')}`)

    const path = new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'wide', gainDb: 0 })
    const backend = (process.env.LISTEN_BENCH_OUTPUT ?? 'auto') as 'auto' | 'addon' | 'pacat'
    const output = openAudioOutput(
      {
        sampleRateHz: RATE_HZ,
        device: 'ausculta_out',
        latencyMs: OUTPUT_LATENCY_MS,
        maxLatencyMs: OUTPUT_MAX_MS,
        live: true,
        realtime: REALTIME,
        backend,
      },
      pulse.env,
    )
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
    if (process.env.LISTEN_BENCH_DEBUG)
      console.log(
        spawnSync('pactl', ['list', 'short', 'source-outputs'], { env: pulse.env, encoding: 'utf8' }).stdout,
        spawnSync('pactl', ['list', 'short', 'sources'], { env: pulse.env, encoding: 'utf8' }).stdout,
      )

    const loadBefore = loadavg()
    const load = startLoad(LOAD_PROCESSES)
    const loadTimer = LOAD_PROCESSES > 0 && LOAD_SECONDS < SECONDS ? setTimeout(() => stopLoad(load), LOAD_SECONDS * 1000) : null
    // Output figures once a second from the first click's time on (the train starts 0.5 s in).
    const playStartS = Number(process.hrtime.bigint()) / 1e9
    const timeline: AudioOutputStats[] = [output.stats()]
    const sampler = setInterval(() => timeline.push(output.stats()), 1000)
    const player = spawn(
      'pacat',
      ['--playback', '--raw', '--format=float32le', `--rate=${PLAY_RATE_HZ}`, '--channels=1', '--device=ausculta_in', '--latency-msec=50'],
      { env: pulse.env, stdio: ['pipe', 'ignore', 'inherit'] },
    )
    const train = clickTrain(SECONDS)
    player.stdin.end(Buffer.from(train.buffer))
    await new Promise((resolve) => player.on('exit', resolve))
    const atTrainEnd = output.stats()
    if (process.env.LISTEN_BENCH_DEBUG)
      console.log(
        'timeline',
        JSON.stringify(
          timeline.map((t) => [t.underruns, Math.round(t.targetLatencyMs ?? 0), Math.round(t.bufferedMs ?? 0), t.hostUnderflows]),
        ),
      )
    await sleep(1000)
    clearInterval(sampler)
    if (loadTimer) clearTimeout(loadTimer)
    stopLoad(load)
    const loadAfter = loadavg()
    // Counted over the click train: what a listener would have heard as gaps.
    const underruns = atTrainEnd.underruns - underrunsBefore
    const hostUnderflows = (atTrainEnd.hostUnderflows ?? NaN) - (timeline[0]?.hostUnderflows ?? NaN)
    const final = atTrainEnd
    const failure = output.failure

    input.stream.close(2)
    recorded.stream.close(3)
    output.abort()

    const gap = Math.round(CLICK_GAP_S * RATE_HZ)
    const inOnsets = clickOnsets(input.samples, gap).map((f) => input.clockS + f / RATE_HZ)
    const outOnsets = clickOnsets(recorded.samples, gap).map((f) => recorded.clockS + f / RATE_HZ)
    const peak = (xs: number[]): number => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
    if (process.env.LISTEN_BENCH_DEBUG)
      console.log('peaks', peak(input.samples), peak(recorded.samples), input.samples.length, recorded.samples.length)
    const latenciesMs: number[] = []
    const settledMs: number[] = []
    for (const t of inOnsets) {
      const next = outOnsets.find((u) => u >= t - 0.01 && u < t + CLICK_PERIOD_S / 2)
      if (next === undefined) continue
      latenciesMs.push((next - t) * 1000)
      if (t - playStartS >= SETTLE_S) settledMs.push((next - t) * 1000)
    }
    latenciesMs.sort((a, b) => a - b)
    settledMs.sort((a, b) => a - b)
    const quantileOf = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN
    const quantile = (p: number): number => quantileOf(latenciesMs, p)
    const expectedClicks = Math.floor((SECONDS - 0.5) / CLICK_PERIOD_S)
    console.log(
      `listening latency over ${SECONDS} s (capture ${RATE_HZ} Hz, ${FRAMES_PER_BUFFER}-frame buffers, wide filter, ` +
        `${path.latencySamples}-sample look-ahead, output ${output.description} at ${OUTPUT_LATENCY_MS} ms)`,
    )
    console.log(`  clicks: ${expectedClicks} played, ${inOnsets.length} captured at the input, ${latenciesMs.length} matched at the output`)
    console.log(
      `  input-to-output latency: median ${quantile(0.5).toFixed(1)} ms, p95 ${quantile(0.95).toFixed(1)} ms, min ` +
        `${quantile(0).toFixed(1)} ms, max ${quantile(1).toFixed(1)} ms`,
    )
    console.log(`  output underruns: ${underruns}; input overflows: ${input.overflows}`)
    const at = (s: number): AudioOutputStats => timeline[Math.min(s, timeline.length - 1)] ?? final
    const early = Math.min(underruns, Math.max(0, at(SETTLE_S).underruns - underrunsBefore))
    console.log(
      `  underruns: ${early} in the first ${SETTLE_S} s, ${underruns - early} in the remaining ` +
        `${Math.max(0, SECONDS - SETTLE_S)} s; latency after the first ${SETTLE_S} s: median ${fmt(quantileOf(settledMs, 0.5))} ` +
        `ms, p95 ${fmt(quantileOf(settledMs, 0.95))} ms (${settledMs.length} clicks)`,
    )
    const marks = timeline.map((stats, s) => ({ stats, s })).filter(({ s }) => s % 5 === 0 || s === timeline.length - 1)
    console.log(
      `  jitter buffer target over time (s: ms): ${marks.map(({ stats, s }) => `${s}: ${fmt(stats.targetLatencyMs, 0)}`).join(', ')}`,
    )
    console.log(
      `  jitter buffer at the end: target ${fmt(final.targetLatencyMs)} ms, queued ${fmt(final.bufferedMs)} ms; trimmed ` +
        `${fmt(final.trimmedMs)} ms, dropped at the ${OUTPUT_MAX_MS}-ms bound ${fmt(final.droppedMs)} ms; host-side underflows ` +
        `during the clicks (the PortAudio callback itself ran late) ` +
        `${Number.isFinite(hostUnderflows) ? hostUnderflows : 'n/a'}, real-time callback thread: ` +
        `${final.realtimeCallback ?? 'n/a'}${REALTIME ? '' : ' (not asked: LISTEN_BENCH_REALTIME=0)'}` +
        `${failure ? `; FAILED: ${failure.message}` : ''}`,
    )
    console.log(
      `  machine: ${cpus().length} cores, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ` +
        `${loadAfter.map((x) => x.toFixed(2)).join(' ')} after; background load: ` +
        `${LOAD_PROCESSES > 0 ? `${LOAD_PROCESSES} busy loop(s) for the first ${Math.min(LOAD_SECONDS, SECONDS)} s` : 'none added'}`,
    )
    arrivalGapsMs.sort((a, b) => a - b)
    console.log(
      `  input buffers: ${FRAMES_PER_BUFFER} frames = ${((1000 * FRAMES_PER_BUFFER) / RATE_HZ).toFixed(0)} ms each, arriving ` +
        `every ${arrivalGapsMs[Math.floor(arrivalGapsMs.length / 2)]?.toFixed(1)} ms (median), p99 ` +
        `${arrivalGapsMs[Math.floor(arrivalGapsMs.length * 0.99)]?.toFixed(1)} ms, max ` +
        `${arrivalGapsMs[arrivalGapsMs.length - 1]?.toFixed(1)} ms`,
    )
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
