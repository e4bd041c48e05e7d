/**
 * The live screen's listening controls by mode: Web Audio in browser mode, `listening:set` on the
 * main process's addon output in Electron mode. The Electron UI cannot be driven by the Chromium
 * e2e (it runs browser mode), so the mode switch, the control → patch mapping and the status line
 * are checked here; the patches go through the real contract client into a real app service.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createApiClient,
  dispatchApiRequest,
  type AuscultaApi,
  type ListeningOutputs,
  type ListeningStatus,
} from '../../src/core/api/contract'
import type { AppService } from '../../src/main/api/app-service'
import {
  isAudible,
  listenTogglePatch,
  listeningRouteFor,
  listeningStatusLine,
  sliderGainFromDb,
  sliderGainToDb,
} from '../../src/renderer/src/lib/listening-route'
import { testAppService } from '../helpers/app-service'

const playing: ListeningStatus = {
  enabled: true,
  muted: false,
  filter: 'wide',
  gainDb: 18,
  outputDeviceId: 'alsa_output.usb-headset',
  state: 'playing',
  outputDescription: "PortAudio 'pulse' → alsa_output.usb-headset (live, adaptive jitter buffer)",
  sampleRateHz: 8000,
  targetLatencyMs: 44.6,
  queuedMs: 30,
  underruns: 0,
  recoveries: 0,
  error: null,
}
const outputs: ListeningOutputs = {
  devices: [
    { id: 'alsa_output.pci-analog', name: 'Built-in Audio', isDefault: true },
    { id: 'alsa_output.usb-headset', name: 'Headphones (USB)', isDefault: false },
  ],
  reason: null,
}

describe('listening route by mode', () => {
  it('Electron plays through the addon, browser mode through Web Audio', () => {
    expect(listeningRouteFor('electron')).toBe('addon')
    expect(listeningRouteFor('browser')).toBe('web-audio')
  })

  it('maps the ×1…×40 slider to 0…+30 dB and back to the same step', () => {
    expect(sliderGainToDb(1)).toBe(0)
    // ×8 is the live screen's default: 18.06 dB.
    expect(sliderGainToDb(8)).toBeCloseTo(18.06, 2)
    // Above ×31.6 (+30 dB) the path's maximum holds; the limiter keeps it below full scale.
    expect(sliderGainToDb(40)).toBe(30)
    for (const gain of [1, 2, 5, 8, 16, 31]) expect(sliderGainFromDb(sliderGainToDb(gain))).toBe(gain)
    expect(sliderGainFromDb(30)).toBe(32)
  })

  it('the Listen key opens the stream once, then mutes and unmutes it without closing it', () => {
    expect(listenTogglePatch(false)).toEqual({ enabled: true, muted: false })
    expect(listenTogglePatch(true)).toEqual({ enabled: true, muted: true })
    expect(isAudible(playing)).toBe(true)
    expect(isAudible({ ...playing, muted: true })).toBe(false)
    expect(isAudible({ ...playing, enabled: false, state: 'off' })).toBe(false)
    // A failed output is not "Listening": the next L asks to play again, which retries it.
    const failed = {
      ...playing,
      state: 'failed' as const,
      error: { name: 'AudioOutputLostError', message: 'lost', code: 'device-lost' as const },
    }
    expect(isAudible(failed)).toBe(false)
    expect(listenTogglePatch(isAudible(failed))).toEqual({ enabled: true, muted: false })
  })

  it('words the status line as the clinician needs it', () => {
    expect(listeningStatusLine(playing, outputs)).toBe('Headphones (USB) · 45 ms · no dropouts')
    expect(listeningStatusLine({ ...playing, underruns: 3, muted: true }, outputs)).toBe('Headphones (USB) · 45 ms · 3 dropouts · muted')
    expect(listeningStatusLine({ ...playing, outputDeviceId: null }, outputs)).toBe('System default (Built-in Audio) · 45 ms · no dropouts')
    const lost = {
      ...playing,
      state: 'failed' as const,
      outputDescription: null,
      error: { name: 'AudioOutputLostError', message: 'device lost', code: 'device-lost' as const },
    }
    expect(listeningStatusLine(lost, outputs)).toBe('Output device lost (Headphones (USB)) — choose another')
    // A device that is gone from the list is still named by its id.
    expect(listeningStatusLine({ ...lost, outputDeviceId: 'bluez_sink.gone' }, outputs)).toMatch(/^Output device lost \(bluez_sink\.gone\)/)
    expect(listeningStatusLine({ ...playing, state: 'waiting', targetLatencyMs: null }, outputs)).toBe(
      'Headphones (USB) · waiting for a source',
    )
    expect(listeningStatusLine(null, outputs)).toBe('')
  })
})

describe('the Electron controls against the real app service', () => {
  let dataDir: string
  let service: AppService
  let api: AuscultaApi
  const events: ListeningStatus[] = []

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ausculta-listening-route-'))
    service = testAppService(dataDir, { speed: 1, mode: 'electron' })
    // The preload's client over an in-process transport: requests, responses and events validated as over IPC.
    const listeners = new Set<(payload: unknown) => void>()
    service.onEvent((channel, payload) => {
      if (channel === 'event:listening') for (const l of listeners) l(payload)
    })
    api = createApiClient({
      invoke: (channel, request) => dispatchApiRequest(service.handlers, channel, request),
      subscribe: (_channel, listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    })
    events.length = 0
    api.on('event:listening', (status) => events.push(status))
  })

  afterEach(async () => {
    await service.dispose()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('L, L, volume and filter become listening settings in the main process, each announced by an event', async () => {
    // No source is running, so nothing opens an output: this is about the settings reaching it.
    let status = await api.invoke('listening:set', listenTogglePatch(false))
    expect(isAudible(status)).toBe(true)
    status = await api.invoke('listening:set', listenTogglePatch(isAudible(status)))
    expect(status).toMatchObject({ enabled: true, muted: true })
    status = await api.invoke('listening:set', { gainDb: sliderGainToDb(16) })
    expect(sliderGainFromDb(status.gainDb)).toBe(16)
    status = await api.invoke('listening:set', { filter: 'bell' })
    expect(status.filter).toBe('bell')
    // One event per change, the last one matching the final answer.
    expect(events).toHaveLength(4)
    expect(events.at(-1)).toEqual(status)
  })
})
