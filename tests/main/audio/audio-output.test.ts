/**
 * Audio output on a real (private) PulseAudio: a tone played through openAudioOutput into the
 * null sink comes back, at its pitch, on the sink's monitor recorded by parec. Both back ends:
 * pacat always, the addon's OutputStream when the built addon has one.
 */
import { spawn, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openAudioOutput } from '../../../src/main/audio/audio-output'
import { loadAudioAddon } from '../../../src/main/devices/audio-addon'
import { startPulse, type PulseDaemon } from '../devices/helpers/pulse'
import { tone } from '../../helpers/signals'

const RATE_HZ = 8000
const havePulse = spawnSync('pulseaudio', ['--version']).status === 0 && spawnSync('parec', ['--version']).status === 0
const binding = loadAudioAddon()
const addonHasOutput = !(binding instanceof Error) && 'OutputStream' in binding

/** Rising zero crossings per second between the first and last sample above 0.05: the tone's frequency. */
function frequencyOf(x: Float32Array): { hz: number; loudSeconds: number } {
  let first = -1
  let last = -1
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) > 0.05) {
      if (first < 0) first = i
      last = i
    }
  }
  if (last <= first) return { hz: 0, loudSeconds: 0 }
  let crossings = 0
  for (let i = first + 1; i <= last; i++) if (x[i - 1]! < 0 && x[i]! >= 0) crossings++
  const seconds = (last - first) / RATE_HZ
  return { hz: crossings / seconds, loudSeconds: seconds }
}

describe.skipIf(!havePulse)('openAudioOutput on PulseAudio', () => {
  let pulse: PulseDaemon
  beforeAll(() => {
    pulse = startPulse()
  })
  afterAll(async () => {
    await pulse?.kill()
  })

  const backends: ('pacat' | 'addon')[] = ['pacat', ...(addonHasOutput ? (['addon'] as const) : [])]
  for (const backend of backends) {
    it(`${backend}: 1 s of 440 Hz arrives at the sink at 440 Hz`, async () => {
      const recorder = spawn(
        'parec',
        ['--device=ausculta_sink.monitor', '--raw', '--format=float32le', `--rate=${RATE_HZ}`, '--channels=1', '--latency-msec=20'],
        { env: pulse.env },
      )
      const chunks: Buffer[] = []
      recorder.stdout.on('data', (b: Buffer) => chunks.push(b))
      const recordedBytes = (): number => chunks.reduce((n, b) => n + b.length, 0)
      // parec connected and 300 ms into the monitor's (silent) stream before the tone starts (counted in samples).
      await vi.waitFor(() => expect(recordedBytes()).toBeGreaterThanOrEqual(0.3 * RATE_HZ * 4), { timeout: 10_000, interval: 20 })
      const output = openAudioOutput({ sampleRateHz: RATE_HZ, device: 'ausculta_sink', latencyMs: 100, backend }, pulse.env)
      await output.ready()
      output.write(tone(440, 1, RATE_HZ, 0.5))
      await output.end()
      // The tone's tail: 300 ms more of the monitor's stream (counted in samples, so a busy machine cannot cut it short).
      const atEnd = recordedBytes()
      await vi.waitFor(() => expect(recordedBytes()).toBeGreaterThanOrEqual(atEnd + 0.3 * RATE_HZ * 4), { timeout: 10_000, interval: 20 })
      recorder.kill('SIGTERM')
      await new Promise((r) => recorder.on('exit', r))
      const bytes = Buffer.concat(chunks)
      const recorded = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4))
      const { hz, loudSeconds } = frequencyOf(recorded)
      // Zero-crossing count over ~1 s is exact to ±1 crossing: ±2 Hz, plus resampling none (same rate).
      expect(Math.abs(hz - 440)).toBeLessThan(3)
      // The whole second played, and nothing more: the recorder may join a few tens of ms late
      // (measured 0.979 s seen), and a dropped tail or repeated audio would leave these bounds.
      expect(loudSeconds).toBeGreaterThan(0.9)
      expect(loudSeconds).toBeLessThan(1.01)
      // The end of the tone is one underrun by nature (the output runs dry before it closes);
      // a second one would be a gap inside the tone.
      expect(output.underruns).toBeLessThanOrEqual(1)
    }, 20_000)
  }
})
