/**
 * The listening service without a sound server: settings through the app service's handlers
 * (persisted across a restart, untouched by settings:update), and an output that cannot be opened
 * (PulseAudio unreachable, pacat back end) reported once as a status, not retried on every chunk.
 * Real demo sources on samples/ and a real temporary data folder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { dispatchApiRequest, type ListeningStatus } from '../../../src/core/api/contract'
import type { AppService } from '../../../src/main/api/app-service'
import { DemoFileSource } from '../../../src/main/engine/demo-source'
import { LiveListening } from '../../../src/main/listening/live-listening'
import { testAppService } from '../../helpers/app-service'

const ROOT = join(__dirname, '../../..')
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
let dataDir: string
const services: AppService[] = []

function newService(): AppService {
  const service = testAppService(dataDir, { speed: 1, mode: 'electron' })
  services.push(service)
  return service
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ausculta-listening-settings-'))
})

afterEach(async () => {
  for (const service of services.splice(0)) await service.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('listening settings through the app service', () => {
  it('starts off with the defaults, saves filter, gain and device, and restores them (not "on") after a restart', async () => {
    const first = newService()
    const initial = (await dispatchApiRequest(first.handlers, 'listening:status', {})) as ListeningStatus
    expect(initial).toMatchObject({ enabled: false, muted: false, state: 'off', outputDeviceId: null, underruns: 0, error: null })
    // No source running: enabled waits for one, nothing is opened.
    const set = (await dispatchApiRequest(first.handlers, 'listening:set', {
      enabled: true,
      filter: 'bell',
      gainDb: 6,
      outputDeviceId: 'headphones_sink',
    })) as ListeningStatus
    expect(set).toMatchObject({
      enabled: true,
      state: 'waiting',
      filter: 'bell',
      gainDb: 6,
      outputDeviceId: 'headphones_sink',
      outputDescription: null,
    })
    const saved = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as { listening?: unknown }
    expect(saved.listening).toEqual({ filter: 'bell', gainDb: 6, outputDeviceId: 'headphones_sink' })
    // Another settings change keeps the listening section.
    await dispatchApiRequest(first.handlers, 'settings:update', { monitor: { hopSeconds: 2 } })
    await first.dispose()
    services.length = 0

    const second = newService()
    const restored = (await dispatchApiRequest(second.handlers, 'listening:status', {})) as ListeningStatus
    // Playing is never restored: the app must not start sounding in someone's ears on its own.
    expect(restored).toMatchObject({ enabled: false, state: 'off', filter: 'bell', gainDb: 6, outputDeviceId: 'headphones_sink' })
    expect(
      ((await dispatchApiRequest(second.handlers, 'settings:get', {})) as { monitor: { hopSeconds: number } }).monitor.hopSeconds,
    ).toBe(2)
  })

  it('refuses a gain above +30 dB through the handlers, leaving the settings as they were', async () => {
    const service = newService()
    await expect(dispatchApiRequest(service.handlers, 'listening:set', { gainDb: 40 })).rejects.toMatchObject({ name: 'ApiContractError' })
    expect(((await dispatchApiRequest(service.handlers, 'listening:status', {})) as ListeningStatus).gainDb).toBe(18)
  })
})

describe('LiveListening with no output to be had', () => {
  it('reports the unavailable output once (not per chunk), retries after a change, and goes quiet when off', async () => {
    const statuses: ListeningStatus[] = []
    // A PulseAudio address nobody answers at: openAudioOutput's pacat back end refuses to start.
    const env = { ...process.env, PULSE_SERVER: `unix:${join(dataDir, 'no-such-socket')}` }
    const listening = new LiveListening({ backend: 'pacat', env, onStatus: (s) => statuses.push(s) })
    const source = new DemoFileSource(join(ROOT, 'samples', '50238_MV.wav'), { speed: 1, chunkSeconds: 0.05 })
    listening.set({ enabled: true })
    listening.attachSource(source)
    await source.start()
    try {
      const failures = (): ListeningStatus[] => statuses.filter((s) => s.state === 'failed')
      // The first 50-ms chunk tries to open; pactl's answer comes back well within 2 s.
      await vi.waitFor(() => expect(failures().length).toBeGreaterThan(0), { timeout: 10_000, interval: 50 })
      expect(failures()[0]?.error).toMatchObject({ code: 'unavailable', name: 'NoAudioOutputError' })
      expect(failures()[0]?.error?.message).toMatch(/cannot play on the default output: no audio output device/)
      // 20 more chunks arrive in the next second; none of them opens again (a quiet period, not a wait for something).
      await sleep(1000)
      expect(failures()).toHaveLength(1)
      expect(listening.status().state).toBe('failed')

      // Choosing again clears the error and the next chunk tries (and fails) once more.
      expect(listening.set({ gainDb: 3 }).state).toBe('waiting')
      await vi.waitFor(() => expect(failures().length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 50 })
      expect(failures()).toHaveLength(2)

      // Off: chunks keep coming but nothing is tried.
      expect(listening.set({ enabled: false }).state).toBe('off')
      await sleep(500)
      expect(failures()).toHaveLength(2)
      expect(listening.status().state).toBe('off')
    } finally {
      listening.dispose()
      await source.stop()
    }
  })
})

describe('LiveListening.set called directly', () => {
  it('refuses a gain outside 0…30 dB or an unknown filter before changing anything', () => {
    const listening = new LiveListening()
    expect(() => listening.set({ gainDb: 31 })).toThrow(/listening gainDb: must be in \[0, 30\] dB, got 31/)
    expect(() => listening.set({ filter: 'loud' as 'bell', gainDb: 3 })).toThrow(/listening filter: unknown "loud"/)
    // 18 dB is the default (×8 on the live screen's slider); neither call moved it.
    expect(listening.status()).toMatchObject({ gainDb: 18, filter: 'wide' })
  })
})
