/**
 * Live listening end to end on a private PulseAudio server: the app service with the real
 * Monitor, a real demo source (a CirCor recording from samples/, in real time), the listening
 * service's addon output on the null sink `ausculta_sink`, and `parec` recording that sink's
 * monitor (`ausculta_mic`). Checks, in one run (one source, one stream):
 *  (a) the sound arrives: the recording correlates with the recording file through the chosen
 *      filter at gain 0;
 *  (b) mute plays silence on the same stream (PulseAudio's sink-input stays the same);
 *  (b2) a stream killed by PulseAudio while the sink stays is reopened by itself, up to
 *       MAX_RECOVERIES_PER_MINUTE times; the next loss is reported;
 *  (c) a source at another rate (the same recording resampled to 8 kHz) gets a new stream at
 *      that rate;
 *  (d) the sink unloaded with nowhere to move the stream: the status turns to a lost device
 *      while the monitor keeps producing window events;
 *  (e) choosing a sink that does not exist fails clearly; choosing one that does plays again.
 * LISTENING_TEST_SECONDS (default 3) plays that long before (a) and prints the underruns over it.
 */
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { dispatchApiRequest, type ApiEventChannel, type ListeningOutputs, type ListeningStatus } from '../../../src/core/api/contract'
import { ListeningPath } from '../../../src/core/dsp/listening-path'
import { resample } from '../../../src/core/dsp/resample'
import type { AppService } from '../../../src/main/api/app-service'
import { MAX_RECOVERIES_PER_MINUTE } from '../../../src/main/listening/live-listening'
import { readWavMono, writeWavFile } from '../../../src/main/io/wav-file'
import { testAppService } from '../../helpers/app-service'
import { audioPrerequisites, waitFor } from '../devices/helpers/audio'
import { startPulse, type PulseDaemon } from '../devices/helpers/pulse'

const ROOT = join(__dirname, '../../..')
const RECORDING = '50238_MV.wav'
/** The same recording at 8 kHz: a source whose rate differs from the first one's. */
const RECORDING_8K = '50238_MV_8k.wav'
const RATE_HZ = 4000
const PLAY_SECONDS = Number(process.env.LISTENING_TEST_SECONDS ?? 3)
// 1 s: scheduling hiccups on 2 busy cores stay far below it (the bench's longest stall was 178 ms).
const WATCHDOG_MS = 1000
/** PulseAudio starts consuming a new stream ~2 s after it opens (measured here); 3 s with margin. */
const STREAM_START_MS = 3000

const { binding, skip } = audioPrerequisites()
const addonHasOutput = binding !== undefined && 'OutputStream' in binding
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function pactl(pulse: PulseDaemon, ...args: string[]): string {
  const result = spawnSync('pactl', args, { env: pulse.env, encoding: 'utf8', timeout: 10_000 })
  if (result.status !== 0) throw new Error(`pactl ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

/** What plays into ausculta_sink, as PulseAudio's monitor hears it, for `seconds`. */
function recordSink(pulse: PulseDaemon, seconds: number, source = 'ausculta_mic'): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'parec',
      [`--device=${source}`, '--raw', '--format=float32le', `--rate=${RATE_HZ}`, '--channels=1', '--latency-msec=20'],
      { env: pulse.env },
    )
    const parts: Buffer[] = []
    child.stdout.on('data', (part: Buffer) => parts.push(part))
    child.on('error', reject)
    child.on('exit', () => {
      const bytes = Buffer.concat(parts)
      const copy = new Uint8Array(bytes.length - (bytes.length % 4))
      copy.set(bytes.subarray(0, copy.length))
      resolve(new Float32Array(copy.buffer))
    })
    setTimeout(() => child.kill('SIGTERM'), seconds * 1000)
  })
}

/** Best normalised correlation of `segment` against `reference` over offsets [from, to). */
function bestCorrelation(segment: Float32Array, reference: Float32Array, from: number, to: number): { r: number; offset: number } {
  let segmentEnergy = 0
  for (const v of segment) segmentEnergy += v * v
  let best = { r: -1, offset: from }
  for (let offset = Math.max(0, from); offset < to && offset + segment.length <= reference.length; offset++) {
    let dot = 0
    let energy = 0
    for (let i = 0; i < segment.length; i++) {
      const x = reference[offset + i]!
      dot += x * segment[i]!
      energy += x * x
    }
    const r = dot / Math.sqrt(segmentEnergy * energy || 1)
    if (r > best.r) best = { r, offset }
  }
  return best
}

const peakOf = (xs: Float32Array): number => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0)

describe.skipIf(skip !== undefined || !addonHasOutput)('live listening through the addon on PulseAudio', () => {
  let pulse: PulseDaemon
  let dataDir: string
  let service: AppService
  const events: Array<{ channel: ApiEventChannel; payload: unknown }> = []
  const call = (channel: string, request: unknown = {}): Promise<unknown> => dispatchApiRequest(service.handlers, channel, request)
  const statuses = (): ListeningStatus[] => events.filter((e) => e.channel === 'event:listening').map((e) => e.payload as ListeningStatus)
  const windows = (): number =>
    events.filter((e) => e.channel === 'event:monitor' && (e.payload as { type: string }).type === 'window').length

  beforeAll(() => {
    pulse = startPulse()
    dataDir = mkdtempSync(join(tmpdir(), 'ausculta-listening-'))
    const samplesDir = join(dataDir, 'samples')
    mkdirSync(samplesDir)
    copyFileSync(join(ROOT, 'samples', RECORDING), join(samplesDir, RECORDING))
    const original = readWavMono(join(ROOT, 'samples', RECORDING))
    writeWavFile(join(samplesDir, RECORDING_8K), [resample(original.samples, original.sampleRateHz, 8000)], 8000, 'pcm16')
    // Real time (speed 1): the output plays what the source produces as a device would.
    service = testAppService(dataDir, { samplesDir, speed: 1, mode: 'electron', listening: { env: pulse.env, watchdogMs: WATCHDOG_MS } })
    service.onEvent((channel, payload) => events.push({ channel, payload }))
  })

  afterAll(async () => {
    await service?.dispose()
    await pulse?.kill()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('lists the PulseAudio sinks, plays the source through the filter, mutes without closing, reports a lost sink', async () => {
    const outputs = (await call('listening:outputs')) as ListeningOutputs
    expect(outputs.reason).toBeNull()
    expect(outputs.devices).toContainEqual({ id: 'ausculta_sink', name: expect.any(String), isDefault: true })

    const enabled = (await call('listening:set', {
      enabled: true,
      filter: 'diaphragm',
      gainDb: 0,
      outputDeviceId: 'ausculta_sink',
    })) as ListeningStatus
    expect(enabled).toMatchObject({
      enabled: true,
      muted: false,
      state: 'waiting',
      filter: 'diaphragm',
      gainDb: 0,
      outputDeviceId: 'ausculta_sink',
    })
    await call('devices:select', { id: `demo:${RECORDING}` })
    await waitFor(() => statuses().some((s) => s.state === 'playing'), 5000, 'the output stream to open')
    // The stream plays at the source's own rate: no wait for the model's stream or its 5-s window.
    expect(statuses().find((s) => s.state === 'playing')?.sampleRateHz).toBe(RATE_HZ)
    expect(windows()).toBe(0)

    // PulseAudio starts consuming ~2 s after a stream starts; count underruns only after that (it
    // gives no sign to wait for: a start-up period, left out of the count).
    await sleep(2500)
    const before = (await call('listening:status')) as ListeningStatus
    // The stretch whose underruns are counted: playing for this long is the measurement.
    await sleep(PLAY_SECONDS * 1000)
    const settled = (await call('listening:status')) as ListeningStatus
    process.stdout.write(
      `listening over ${PLAY_SECONDS} s: ${settled.underruns - before.underruns} underruns (${before.underruns} during the ` +
        `start), jitter-buffer target ${settled.targetLatencyMs?.toFixed(1)} ms, queued ${settled.queuedMs?.toFixed(1)} ms, ` +
        `output ${settled.outputDescription}\n`,
    )
    expect(settled.state).toBe('playing')

    // (a) The sound arrives, through the chosen filter.
    const sinkInput = pactl(pulse, 'list', 'short', 'sink-inputs').trim()
    expect(sinkInput).not.toBe('')
    const streamIndexAtStart = Math.round(service.streamTimeS() * RATE_HZ)
    const heard = await recordSink(pulse, 2)
    // 2 s at 4 kHz less parec's start-up: at least 1.5 s must have come back.
    expect(heard.length).toBeGreaterThan(1.5 * RATE_HZ)
    const file = readWavMono(join(ROOT, 'samples', RECORDING)).samples
    // The demo loops the file; two laps cover any stream position the recording can be at.
    const twoLaps = new Float32Array(2 * file.length)
    twoLaps.set(file)
    twoLaps.set(file, file.length)
    const expected = new ListeningPath({ sampleRateHz: RATE_HZ, filter: 'diaphragm', gainDb: 0 }).process(twoLaps)
    const segment = heard.subarray(Math.round(0.25 * RATE_HZ), Math.round(1.25 * RATE_HZ))
    const start = (streamIndexAtStart % file.length) + Math.round(0.25 * RATE_HZ)
    // The output lags the stream clock by the jitter buffer and PulseAudio's buffering (tens to a
    // few hundred ms) and the stream clock itself is only known to the 100-ms pcg event: ±1 s covers both.
    const match = bestCorrelation(segment, expected, start - RATE_HZ, start + RATE_HZ)
    const unfiltered = bestCorrelation(segment, twoLaps, start - RATE_HZ, start + RATE_HZ)
    process.stdout.write(
      `heard vs the file through the diaphragm filter: r = ${match.r.toFixed(3)} at ` +
        `${((1000 * (match.offset - start)) / RATE_HZ).toFixed(0)} ms from the stream clock; vs the unfiltered file r = ` +
        `${unfiltered.r.toFixed(3)}\n`,
    )
    // Two resamplings (4 → 48 → 4 kHz in PulseAudio) and the limiter leave the waveform nearly
    // intact: 0.9 is well above what an unrelated stretch of heart sound gives (< 0.5).
    expect(match.r).toBeGreaterThan(0.9)
    // The filter is audible in the waveform: the unfiltered file matches far worse (0.46 here).
    expect(unfiltered.r).toBeLessThan(match.r - 0.2)
    expect(peakOf(segment)).toBeGreaterThan(0.01)

    // (b) Mute: silence, same stream.
    const recoveriesBeforeMute = ((await call('listening:status')) as ListeningStatus).recoveries
    const muted = (await call('listening:set', { muted: true })) as ListeningStatus
    expect(muted).toMatchObject({ muted: true, state: 'playing' })
    // The 20-ms fade plus the jitter buffer and PulseAudio's queue are out well within 500 ms: that
    // bound is under test (silence from then on), so it stays a fixed wait.
    await sleep(500)
    const silence = await recordSink(pulse, 1.5)
    expect(silence.length).toBeGreaterThan(RATE_HZ)
    // −80 dBFS: nothing audible; the playing level above was at least −40 dBFS.
    expect(peakOf(silence)).toBeLessThan(1e-4)
    // Mute never reopens the stream; only a recovery from a stream PulseAudio lost under load may
    // (counted in the status), so a new sink-input is allowed only together with one.
    const afterMute = (await call('listening:status')) as ListeningStatus
    if (afterMute.recoveries === recoveriesBeforeMute) expect(pactl(pulse, 'list', 'short', 'sink-inputs').trim()).toBe(sinkInput)
    await call('listening:set', { muted: false })

    // (b2) The stream dies while the sink stays (as a loaded machine can make PortAudio's ALSA
    // back end lose it): listening comes back by itself on a new stream, no error, no key press.
    const current = pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\t')[0]!
    const recoveriesBefore = ((await call('listening:status')) as ListeningStatus).recoveries
    // pactl cannot kill a stream; pacmd can, over the CLI protocol module.
    pactl(pulse, 'load-module', 'module-cli-protocol-unix')
    const killed = spawnSync('pacmd', ['kill-sink-input', current], { env: pulse.env, encoding: 'utf8', timeout: 10_000 })
    expect(killed.status, `pacmd kill-sink-input: ${killed.stderr}${killed.stdout}`).toBe(0)
    const killedAt = Date.now()
    // The watchdog (1 s) plus the device lookup and the next chunk: well within 5 s.
    await waitFor(
      () => {
        const last = statuses().at(-1)
        return last !== undefined && last.recoveries > recoveriesBefore && last.state === 'playing'
      },
      5000,
      'listening to recover by itself',
    )
    await waitFor(() => (pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\t')[0] ?? '') !== '', 5000, 'the reopened sink-input')
    expect(pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\t')[0]).not.toBe(current)
    const recovered = (await call('listening:status')) as ListeningStatus
    expect(recovered.error).toBeNull()
    process.stdout.write(
      `stream killed by PulseAudio: listening reopened by itself after ${Date.now() - killedAt} ms (recoveries ${recovered.recoveries})\n`,
    )

    // A stream that keeps dying is reported, not reopened for ever: after MAX_RECOVERIES_PER_MINUTE
    // recoveries in a minute the next loss is an error the status line shows.
    const killCurrent = (): void => {
      const id = pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\t')[0]!
      expect(spawnSync('pacmd', ['kill-sink-input', id], { env: pulse.env, timeout: 10_000 }).status).toBe(0)
    }
    while (((await call('listening:status')) as ListeningStatus).recoveries < MAX_RECOVERIES_PER_MINUTE) {
      const n = ((await call('listening:status')) as ListeningStatus).recoveries
      await waitFor(() => pactl(pulse, 'list', 'short', 'sink-inputs').trim() !== '', 5000, 'a sink-input to kill')
      // Kill a stream that PulseAudio has started consuming (~2 s after it opens): a stream killed
      // before that may only be noticed by the watchdog after its 6-s start-up grace. PulseAudio
      // gives no sign to wait for, hence the fixed wait.
      await sleep(STREAM_START_MS)
      killCurrent()
      await waitFor(() => (statuses().at(-1)?.recoveries ?? 0) > n && statuses().at(-1)?.state === 'playing', 10_000, `recovery ${n + 1}`)
    }
    await waitFor(() => pactl(pulse, 'list', 'short', 'sink-inputs').trim() !== '', 5000, 'a sink-input to kill')
    await sleep(STREAM_START_MS) // as above: a stream PulseAudio has started consuming
    killCurrent()
    await waitFor(() => statuses().at(-1)?.error?.code === 'device-lost', 10_000, 'the repeated loss to be reported')
    // Any user action retries: unmute (already unmuted) clears the error and the next chunk reopens.
    await call('listening:set', { muted: false })
    await waitFor(() => statuses().at(-1)?.state === 'playing', 5000, 'playing again after the user acted')

    // (c) Another source at another rate: a new stream at that rate.
    const opened = statuses().length
    await call('devices:select', { id: `demo:${RECORDING_8K}` })
    await waitFor(
      () =>
        statuses()
          .slice(opened)
          .some((s) => s.state === 'playing' && s.sampleRateHz === 8000),
      5000,
      'a stream at 8 kHz',
    )
    await waitFor(() => (pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\n')[0] ?? '') !== '', 5000, 'the new sink-input')
    // The first source's stream was closed, not left playing beside the new one (closing runs on
    // the addon's control thread, so it may take a moment to leave PulseAudio's list).
    await waitFor(() => pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\n').length === 1, 5000, 'the old stream to close')
    const inputs = pactl(pulse, 'list', 'short', 'sink-inputs').trim().split('\n')
    expect(inputs).toHaveLength(1)
    expect(inputs[0]).not.toBe(sinkInput)

    // (d) The sink vanishes with nowhere to move the stream.
    const windowsBefore = windows()
    // The new source's first 5-s window.
    await waitFor(() => windows() > windowsBefore, 10_000, 'a window event of the 8-kHz source')
    pactl(pulse, 'unload-module', 'module-always-sink')
    pactl(pulse, 'unload-module', 'module-remap-source')
    const unloadedAt = Date.now()
    pactl(pulse, 'unload-module', 'module-null-sink')
    // The watchdog's 1 s, the 200-ms status poll and 1 s of slack for a loaded 2-core machine.
    await waitFor(() => statuses().some((s) => s.error?.code === 'device-lost'), WATCHDOG_MS + 2000, 'the lost-device status')
    const lost = statuses().find((s) => s.error?.code === 'device-lost')!
    process.stdout.write(`lost output reported ${Date.now() - unloadedAt} ms after unload-module: ${lost.error?.message}\n`)
    expect(lost).toMatchObject({ state: 'failed', outputDescription: null })
    expect(lost.error?.message).toMatch(/output device lost \(ausculta_sink\)/)
    const windowsAtLoss = windows()
    // The hop is 1 s: two more windows within 4 s show the monitor carried on.
    await waitFor(() => windows() >= windowsAtLoss + 2, 4000, 'window events after the loss')
    expect(((await call('monitor:status')) as { state: string }).state).toBe('running')
    // The failure stays reported (no reopen loop against a missing sink) until the user acts: a
    // quiet period in which nothing may change.
    await sleep(500)
    expect(((await call('listening:status')) as ListeningStatus).state).toBe('failed')

    // (e) "Choose another": a name PulseAudio does not know, then a newly plugged sink.
    const unknown = statuses().length
    await call('listening:set', { outputDeviceId: 'no_such_sink' })
    await waitFor(
      () =>
        statuses()
          .slice(unknown)
          .some((s) => s.error?.code === 'unavailable'),
      5000,
      'the unknown sink to be refused',
    )
    expect(
      statuses()
        .slice(unknown)
        .find((s) => s.error)?.error?.message,
    ).toMatch(/cannot play on no_such_sink/)
    pactl(pulse, 'load-module', 'module-null-sink', 'sink_name=headphones', 'rate=48000')
    const plugged = (await call('listening:outputs')) as ListeningOutputs
    expect(plugged.devices.map((d) => d.id)).toContain('headphones')
    const chosen = statuses().length
    await call('listening:set', { outputDeviceId: 'headphones' })
    await waitFor(
      () =>
        statuses()
          .slice(chosen)
          .some((s) => s.state === 'playing' && s.outputDeviceId === 'headphones'),
      5000,
      'playing on the new sink',
    )
    // PulseAudio starts consuming ~2 s after the start: listen (1 s at a time) until the heart
    // sound is there, not silence (the same level check as in (a)).
    await vi.waitFor(async () => expect(peakOf(await recordSink(pulse, 1, 'headphones.monitor'))).toBeGreaterThan(0.01), {
      timeout: 15_000,
      interval: 50,
    })
    expect((await call('listening:status')) as ListeningStatus).toMatchObject({ state: 'playing', error: null })
  }, 60_000)
})
