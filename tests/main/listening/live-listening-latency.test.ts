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
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ListeningStatus } from '../../../src/core/api/contract'
import type { AudioBinding, NativeInputStream, NativeStreamEvent } from '../../../src/main/devices/audio-addon'
import { AudioDeviceSource } from '../../../src/main/devices/audio-device-source'
import { LiveListening } from '../../../src/main/listening/live-listening'
import { audioPrerequisites, pulseDevice, waitFor } from '../devices/helpers/audio'
import {
  CLICK_GAP_S,
  CLICK_PERIOD_S,
  clickOnsets,
  clickTrain,
  PLAY_RATE_HZ,
  startListenPulse,
  type ListenPulse,
} from '../../../bench/helpers/click-train-rig'

const SECONDS = Number(process.env.LISTENING_LATENCY_SECONDS ?? 8)
const RATE_HZ = 8000

const { binding, skip } = audioPrerequisites()
const addonHasOutput = binding !== undefined && 'OutputStream' in binding
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const nowS = (): number => Number(process.hrtime.bigint()) / 1e9

/** Samples with their hrtime clock (see the header). */
class ClockedCapture {
  readonly samples: number[] = []
  clockS = Infinity
  add(firstFrameIndex: number, data: Float32Array): void {
    this.clockS = Math.min(this.clockS, nowS() - (firstFrameIndex + data.length) / RATE_HZ)
    for (const v of data) this.samples.push(v)
  }
  /** hrtime of each click onset. */
  onsetsS(): number[] {
    return clickOnsets(this.samples, Math.round(CLICK_GAP_S * RATE_HZ)).map((i) => this.clockS + i / RATE_HZ)
  }
}

describe.skipIf(skip !== undefined || !addonHasOutput)('live listening latency with a capture source', () => {
  let pulse: ListenPulse
  beforeAll(() => {
    pulse = startListenPulse('ausculta-listen-latency-')
  })
  afterAll(async () => {
    try {
      process.kill(pulse.pid, 'SIGTERM')
    } catch {
      // already gone
    }
    // Remove its runtime folder only once the daemon is gone (signal 0 throws then).
    await vi.waitFor(() => expect(() => process.kill(pulse.pid, 0)).toThrow(), { timeout: 10_000, interval: 50 })
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
    const listening = new LiveListening({
      env: pulse.env,
      preferences: { filter: 'wide', gainDb: 0, outputDeviceId: 'ausculta_out' },
      onStatus: (s) => statuses.push(s),
    })
    listening.set({ enabled: true })
    listening.attachSource(source)
    let recorder: NativeInputStream | undefined
    try {
      await source.start()
      await waitFor(() => listening.status().state === 'playing', 5000, 'the output stream')
      // A second of listening before the recorder joins: a settling time, not a wait for a condition.
      await sleep(1000)
      process.env.PULSE_SOURCE = 'ausculta_out_mic'
      const output = new ClockedCapture()
      recorder = new addon.InputStream(
        { deviceIndex: device.index, sampleRateHz: RATE_HZ, channels: 1, framesPerBuffer: 64, startupGraceMs: 5000 },
        (event: NativeStreamEvent) => {
          if (event.type === 'data') output.add(event.firstFrameIndex, event.data)
        },
      )
      recorder.start(1)
      // PulseAudio delivers a new capture stream's first buffer ~2 s after it starts: the clicks start after that.
      await vi.waitFor(() => expect(output.samples.length).toBeGreaterThan(0), { timeout: 15_000, interval: 25 })
      const before = listening.status()
      const player = spawn(
        'pacat',
        [
          '--playback',
          '--raw',
          '--format=float32le',
          `--rate=${PLAY_RATE_HZ}`,
          '--channels=1',
          '--device=ausculta_in',
          '--latency-msec=50',
        ],
        { env: pulse.env, stdio: ['pipe', 'ignore', 'inherit'] },
      )
      player.stdin.end(Buffer.from(clickTrain(SECONDS).buffer))
      await new Promise((resolve) => player.on('exit', resolve))
      // The last click's way through: 0.5 s more of the recording (counted in samples, so a busy machine cannot cut it short).
      const atExit = output.samples.length
      await vi.waitFor(() => expect(output.samples.length).toBeGreaterThanOrEqual(atExit + 0.5 * RATE_HZ), {
        timeout: 10_000,
        interval: 25,
      })
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
        `live listening (AudioDeviceSource 8 kHz/64 frames → LiveListening → ${after.outputDescription}): ${latenciesMs.length} ` +
          `of ${expectedClicks} clicks heard; input-to-output latency median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms; ` +
          `underruns over the ${SECONDS}-s train ${after.underruns - before.underruns} (${before.underruns} at the start); ` +
          `jitter-buffer target ${after.targetLatencyMs?.toFixed(1)} ms\n`,
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
