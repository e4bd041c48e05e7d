/**
 * "Unplugging" an audio device: the PulseAudio daemon is killed mid-stream. The source must
 * report a clear device-lost error and status 'lost', stop() must return, and nothing may hang
 * or crash (the test process itself would die or time out if it did).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AudioDeviceLostError, AudioDeviceSource } from '../../../src/main/devices/audio-device-source'
import { audioPrerequisites, collect, pulseDevice, waitFor } from './helpers/audio'
import { startPulse, type PulseDaemon } from './helpers/pulse'

const { binding, skip } = audioPrerequisites()
// watchdog 1 s: long enough that scheduling hiccups on 2 busy cores never trip it, short enough for a quick test
const WATCHDOG_MS = 1000

describe.skipIf(skip !== undefined)('PortAudio addon: audio server killed mid-stream', () => {
  let pulse: PulseDaemon
  // a daemon per test: each test breaks its own
  beforeEach(() => {
    pulse = startPulse()
  })
  afterEach(async () => {
    try {
      process.kill(pulse.pid, 'SIGCONT')
    } catch {
      // already dead
    }
    await pulse?.kill()
  })

  it('emits a device-lost error and status lost, and stop() returns', async () => {
    const source = new AudioDeviceSource(binding!, pulseDevice(binding!), {
      sampleRateHz: 4000,
      watchdogMs: WATCHDOG_MS,
      requestTimeoutMs: 3000,
    })
    const { chunks, events } = collect(source)
    await source.start()
    await waitFor(() => chunks.length > 5, 10_000, 'audio before the kill')
    const killedAt = Date.now()
    await pulse.kill('SIGKILL')
    // watchdog period + 50 ms control-thread tick + slack for a loaded CI machine
    await waitFor(() => events.some((e) => e.type === 'error'), WATCHDOG_MS + 4000, 'the device-lost error')
    const detectedMs = Date.now() - killedAt
    const error = events.find((e) => e.type === 'error')
    expect(error?.type === 'error' && error.error).toBeInstanceOf(AudioDeviceLostError)
    expect(error?.type === 'error' && error.error.message).toMatch(/device lost: 'pulse'/)
    expect(source.status).toBe('lost')
    const stopStarted = Date.now()
    await source.stop()
    const stopMs = Date.now() - stopStarted
    process.stdout.write(
      `device loss detected ${detectedMs} ms after SIGKILL; stop() took ${stopMs} ms; message: ` +
        `${error?.type === 'error' ? error.error.message : ''}\n`,
    )
    // stop() after loss has nothing left to wait for; 3 s is the request timeout, the worst case
    expect(stopMs).toBeLessThan(3500)
    // a restart attempt with the server gone fails cleanly (typed error, status error), no hang
    await expect(source.start()).rejects.toThrow(/audio source/)
    expect(source.status).toBe('error')
  })

  it('a frozen audio server (SIGSTOP) is reported lost, and nothing waits on it for ever', async () => {
    const REQUEST_TIMEOUT_MS = 2000
    const source = new AudioDeviceSource(binding!, pulseDevice(binding!), {
      sampleRateHz: 4000,
      watchdogMs: WATCHDOG_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    })
    const { chunks, events } = collect(source)
    await source.start()
    await waitFor(() => chunks.length > 5, 10_000, 'audio before the freeze')
    process.kill(pulse.pid, 'SIGSTOP')
    await waitFor(() => source.status === 'lost', WATCHDOG_MS + 4000, 'status lost')
    expect(
      events.find((e) => e.type === 'error')?.type === 'error' &&
        (events.find((e) => e.type === 'error') as { error: Error }).error.message,
    ).toMatch(/no audio for \d+ ms/)
    await source.stop()
    // restarting against the frozen server: PortAudio's open blocks inside the server, the source gives up
    const started = Date.now()
    await expect(source.start()).rejects.toThrow(/did not complete within|PortAudio busy/)
    // start's timeout plus close's timeout is the worst case by construction
    expect(Date.now() - started).toBeLessThan(2 * REQUEST_TIMEOUT_MS + 1000)
    // the JS thread is never blocked: device listing answers at once or says the backend is busy
    const listStarted = Date.now()
    try {
      binding!.listInputDevices()
    } catch (error) {
      expect(String(error)).toMatch(/PortAudio busy/)
    }
    // JsPaLock's 1 s limit plus slack
    expect(Date.now() - listStarted).toBeLessThan(1500)
  })
})
