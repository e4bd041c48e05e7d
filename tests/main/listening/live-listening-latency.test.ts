/**
 * Live listening's latency and dropouts with a real capture source, on a private PulseAudio with
 * two null sinks (scripts/start-pulse-listen.sh, as bench:listen uses): a click train is played
 * into `ausculta_in`; an AudioDeviceSource captures it (`ausculta_mic`, 8 kHz, 64-frame buffers);
 * LiveListening plays the source's chunks into `ausculta_out`, whose monitor (`ausculta_out_mic`)
 * a second addon capture records. Each click's time in the source's chunks and in that recording,
 * both mapped to process.hrtime the way the bench does (a buffer arriving at T ending at frame F
 * says frame f was captured no later than T − (F − f)/rate; the smallest offset over the run is
 * the stream's clock), gives the latency from the sound at the input to the sound at the output.
 *
 * Asserts that the clicks come through; prints the latency and the underruns (no timing
 * assertions). LISTENING_LATENCY_SECONDS sets the click train's length (default 8).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ListeningStatus } from '../../../src/core/api/contract'
import type { AudioBinding, NativeInputStream, NativeStreamEvent } from '../../../src/main/devices/audio-addon'
import { AudioDeviceSource } from '../../../src/main/devices/audio-device-source'
import { LiveListening } from '../../../src/main/listening/live-listening'
import { audioPrerequisites, pulseDevice, waitFor } from '../devices/helpers/audio'

const REPO = join(__dirname, '../../..')
const SECONDS = Number(process.env.LISTENING_LATENCY_SECONDS ?? 8)
const RATE_HZ = 8000
const PLAY_RATE_HZ = 48000
const CLICK_PERIOD_S = 0.5

const { binding, skip } = audioPrerequisites()
const addonHasOutput = binding !== undefined && 'OutputStream' in binding
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const nowS = (): number => Number(process.hrtime.bigint()) / 1e9

interface Pulse {
  pid: number
  runtimeDir: string
  env: NodeJS.ProcessEnv
}

function startListenPulse(): Pulse {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'ausculta-listen-latency-'))
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir, PULSE_SERVER: `unix:${join(runtimeDir, 'pulse/native')}` }
  const result = spawnSync('bash', [join(REPO, 'scripts/start-pulse-listen.sh')], { env, encoding: 'utf8', timeout: 20_000 })
  const match = /pulseaudio pid (\d+)/.exec(result.stdout ?? '')
  if (result.status !== 0 || !match) throw new Error(`start-pulse-listen.sh failed (exit ${result.status}): ${result.stdout}${result.stderr}`)
  // The addon's ALSA pulse plugin reads these from this process's environment when it connects.
  process.env.XDG_RUNTIME_DIR = runtimeDir
  process.env.PULSE_SERVER = env.PULSE_SERVER
  return { pid: Number(match[1]), runtimeDir, env }
}

/** A click: 4 ms of a 400-Hz burst (inside every listening band) at half scale, every 0.5 s from 0.5 s. */
function clickTrain(seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * PLAY_RATE_HZ))
  const clickLength = Math.round(0.004 * PLAY_RATE_HZ)
  for (let start = Math.round(0.5 * PLAY_RATE_HZ); start + clickLength < x.length; start += Math.round(CLICK_PERIOD_S * PLAY_RATE_HZ)) {
    for (let k = 0; k < clickLength; k++) x[start + k] = 0.5 * Math.sin((2 * Math.PI * 400 * k) / PLAY_RATE_HZ)
  }
  return x
}

/** Samples with their hrtime clock (see the header). */
class ClockedCapture {
  readonly samples: number[] = []
  clockS = Infinity
  add(firstFrameIndex: number, data: Float32Array): void {
    this.clockS = Math.min(this.clockS, nowS() - (firstFrameIndex + data.length) / RATE_HZ)
    for (const v of data) this.samples.push(v)
  }
  /** hrtime of each click onset: above a quarter of the click's 0.5 after at least 0.25 s below. */
  onsetsS(): number[] {
    const found: number[] = []
    let last = -Infinity
    const gap = Math.round(0.25 * RATE_HZ)
    for (let i = 0; i < this.samples.length; i++) {
      if (Math.abs(this.samples[i]!) > 0.125) {
        if (i - last > gap) found.push(this.clockS + i / RATE_HZ)
        last = i
      }
    }
    return found
  }
}

describe.skipIf(skip !== undefined || !addonHasOutput)('live listening latency with a capture source', () => {
  let pulse: Pulse
  beforeAll(() => {
    pulse = startListenPulse()
  })
  afterAll(async () => {
    try {
      process.kill(pulse.pid, 'SIGTERM')
    } catch {
      // already gone
    }
    await sleep(200)
    rmSync(pulse.runtimeDir, { recursive: true, force: true })
  })

  it('plays each click of the source on the output device, and prints the latency and underruns', async () => {
    const addon = binding as AudioBinding
    const device = pulseDevice(addon)
    // libpulse reads PULSE_SOURCE when a capture stream connects: the source records ausculta_mic.
    process.env.PULSE_SOURCE = 'ausculta_mic'
    const source = new AudioDeviceSource(addon, device, { sampleRateHz: RATE_HZ, framesPerBuffer: 64 })
    const input = new ClockedCapture()
    source.on((event) => {
      if (event.type === 'chunk') input.add(event.chunk.firstSampleIndex, event.chunk.samples)
    })
    const statuses: ListeningStatus[] = []
    const listening = new LiveListening({ env: pulse.env, preferences: { filter: 'wide', gainDb: 0, outputDeviceId: 'ausculta_out' }, onStatus: (s) => statuses.push(s) })
    listening.set({ enabled: true })
    listening.attachSource(source)
    let recorder: NativeInputStream | undefined
    try {
      await source.start()
      await waitFor(() => listening.status().state === 'playing', 5000, 'the output stream')
      await sleep(1000)
      process.env.PULSE_SOURCE = 'ausculta_out_mic'
      const output = new ClockedCapture()
      recorder = new addon.InputStream({ deviceIndex: device.index, sampleRateHz: RATE_HZ, channels: 1, framesPerBuffer: 64, startupGraceMs: 5000 }, (event: NativeStreamEvent) => {
        if (event.type === 'data') output.add(event.firstFrameIndex, event.data)
      })
      recorder.start(1)
      // PulseAudio starts consuming a new stream ~2 s after it starts.
      await sleep(2500)
      const before = listening.status()
      const player = spawn('pacat', ['--playback', '--raw', '--format=float32le', `--rate=${PLAY_RATE_HZ}`, '--channels=1', '--device=ausculta_in', '--latency-msec=50'], { env: pulse.env, stdio: ['pipe', 'ignore', 'inherit'] })
      player.stdin.end(Buffer.from(clickTrain(SECONDS).buffer))
      await new Promise((resolve) => player.on('exit', resolve))
      await sleep(500)
      const after = listening.status()

      const outOnsets = output.onsetsS()
      const latenciesMs: number[] = []
      for (const t of input.onsetsS()) {
        const next = outOnsets.find((u) => u >= t - 0.01 && u < t + CLICK_PERIOD_S / 2)
        if (next !== undefined) latenciesMs.push((next - t) * 1000)
      }
      latenciesMs.sort((a, b) => a - b)
      const q = (p: number): string => (latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN).toFixed(1)
      const expectedClicks = Math.floor((SECONDS - 0.5) / CLICK_PERIOD_S)
      process.stdout.write(
        `live listening (AudioDeviceSource 8 kHz/64 frames → LiveListening → ${after.outputDescription}): ${latenciesMs.length} of ${expectedClicks} clicks heard; input-to-output latency median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms; underruns over the ${SECONDS}-s train ${after.underruns - before.underruns} (${before.underruns} at the start); jitter-buffer target ${after.targetLatencyMs?.toFixed(1)} ms\n`,
      )
      // Every click must come through; one may fall at the train's edges or in a start-up gap.
      expect(latenciesMs.length).toBeGreaterThanOrEqual(expectedClicks - 1)
      expect(after.state).toBe('playing')
      expect(statuses.some((s) => s.error !== null)).toBe(false)
    } finally {
      recorder?.close(2)
      listening.dispose()
      await source.stop()
      delete process.env.PULSE_SOURCE
    }
  }, 60_000)
})
