/**
 * The device registry with real components: ptys that appear and disappear (socat) as hot-plugged
 * serial devices, the simulator streaming through a registry connection, the real PortAudio addon
 * on a private PulseAudio daemon, serialport's and node-hid's real enumeration, a real demo file.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AudioBackendUnavailableError, loadAudioAddon, resetAudioAddonCache } from '../../../src/main/devices/audio-addon'
import { DeviceRegistry, SourceUnavailableError, UnknownSourceError, type RegistryEvent } from '../../../src/main/devices/registry'
import { soundCardsUnavailableLabel } from '../../../src/main/devices/audio-scanner'
import { serialScanner } from '../../../src/main/devices/device-scanners'
import { loadHidTable } from '../../../src/main/devices/hid-controls'
import { DemoFileSource } from '../../../src/main/engine/demo-source'
import type { PcmSource } from '../../../src/main/devices/source'
import { audioPrerequisites, collect, waitFor } from './helpers/audio'
import { startPulse, type PulseDaemon } from './helpers/pulse'
import { startPtyPair } from './helpers/pty'
import { startSimulator } from './helpers/simulator'
import { missingTools, requireComponents } from './helpers/tools'

const SAMPLE = join(__dirname, '../../../samples/50238_MV.wav')

function recordEvents(registry: DeviceRegistry): RegistryEvent[] {
  const events: RegistryEvent[] = []
  registry.on((e) => events.push(e))
  return events
}

describe('device registry: the table of scanners', () => {
  it('polls every scanner in turn; a failing one reports poll-error and keeps its devices, the others still add and remove', async () => {
    let serialPaths = ['/dev/ttyFAKE0']
    let hidFails = false
    const registry = new DeviceRegistry({
      audio: new AudioBackendUnavailableError('no addon (test)'),
      scanners: [
        serialScanner({
          audio: new AudioBackendUnavailableError('unused'),
          listSerialPorts: async () => serialPaths.map((path) => ({ path })),
        }),
        {
          kind: 'hid',
          scan: async () => {
            if (hidFails) throw new Error('hidraw unreadable (test)')
            return [{ descriptor: { id: 'hid:test', kind: 'hid', label: 'Test buttons', status: 'available' } }]
          },
        },
      ],
    })
    const events = recordEvents(registry)
    await registry.refresh()
    expect(registry.listSources().map((s) => s.id)).toEqual(['serial:/dev/ttyFAKE0', 'hid:test'])
    serialPaths = ['/dev/ttyFAKE1']
    hidFails = true
    await registry.refresh()
    expect(registry.listSources().map((s) => s.id)).toEqual(['hid:test', 'serial:/dev/ttyFAKE1'])
    expect(events.filter((e) => e.type === 'poll-error').map((e) => e.type === 'poll-error' && [e.kind, e.error.message])).toEqual([
      ['hid', 'hidraw unreadable (test)'],
    ])
    expect(events.filter((e) => e.type === 'removed').map((e) => e.type === 'removed' && e.source.id)).toEqual(['serial:/dev/ttyFAKE0'])
  })
})

describe('device registry: audio backend missing', () => {
  it('the loader returns a typed error saying to install PortAudio, never throws', () => {
    const saved = process.env.AUSCULTA_AUDIO_ADDON
    // an existing file that is not an addon: loading it fails like a missing libportaudio would
    process.env.AUSCULTA_AUDIO_ADDON = join(__dirname, '../../../package.json')
    resetAudioAddonCache()
    try {
      const result = loadAudioAddon()
      expect(result).toBeInstanceOf(AudioBackendUnavailableError)
      expect((result as Error).message).toMatch(/^audio devices unavailable: install PortAudio/)
    } finally {
      if (saved === undefined) delete process.env.AUSCULTA_AUDIO_ADDON
      else process.env.AUSCULTA_AUDIO_ADDON = saved
      resetAudioAddonCache()
    }
  })

  it('lists audio as unavailable with the reason, and connect says why', async () => {
    const registry = new DeviceRegistry({
      audio: new AudioBackendUnavailableError('audio devices unavailable: install PortAudio (test)'),
      listSerialPorts: async () => [],
      listHidControls: null,
    })
    await registry.refresh()
    expect(registry.listSources()).toEqual([
      {
        id: 'audio:unavailable',
        kind: 'audio',
        label: soundCardsUnavailableLabel(),
        status: 'unavailable',
        detail: 'audio devices unavailable: install PortAudio (test)',
      },
    ])
    // The picker's line says why and what to install, per platform (issue 16, item 6).
    expect(soundCardsUnavailableLabel('linux')).toBe('Sound cards unavailable: install PortAudio (libportaudio2)')
    expect(soundCardsUnavailableLabel('darwin')).toBe('Sound cards unavailable: install PortAudio (brew install portaudio)')
    await expect(registry.connect('audio:unavailable')).rejects.toThrow(SourceUnavailableError)
    await expect(registry.connect('nope')).rejects.toThrow(UnknownSourceError)
    expect(await registry.list()).toEqual([
      {
        id: 'audio:unavailable',
        name: soundCardsUnavailableLabel(),
        kind: 'audio',
        status: 'unavailable',
        detail: 'audio devices unavailable: install PortAudio (test)',
      },
    ])
  })
})

describe('device registry: real enumeration', () => {
  it('serialport list() and node-hid enumeration run (udev present) without errors', async () => {
    const registry = new DeviceRegistry({ audio: new AudioBackendUnavailableError('not under test') })
    const events = recordEvents(registry)
    await registry.refresh()
    expect(events.filter((e) => e.type === 'poll-error')).toEqual([])
  })
})

describe('device registry: demo files', () => {
  it('stores the path and builds the source with a factory injected later', async () => {
    const registry = new DeviceRegistry({
      audio: new AudioBackendUnavailableError('not under test'),
      listSerialPorts: async () => [],
      listHidControls: null,
    })
    const added = registry.addDemoFile(SAMPLE, 'Demo 50238 MV')
    expect(added).toMatchObject({ id: `demo:${SAMPLE}`, kind: 'demo', status: 'available' })
    await expect(registry.connect(added.id)).rejects.toThrow(/no demo source factory/)
    registry.setDemoFactory((path) => new DemoFileSource(path, { speed: 1 }))
    const source = (await registry.connect(added.id)) as PcmSource
    const { chunks } = collect(source)
    await waitFor(() => chunks.length > 0, 5000, 'a demo chunk')
    expect(registry.status(added.id)).toBe('streaming')
    await registry.disconnect(added.id)
    expect(registry.status(added.id)).toBe('available')
    // hand-added entries survive polls
    await registry.refresh()
    expect(registry.listSources().map((s) => s.id)).toContain(added.id)
  })
})

describe('device registry: HID controls', () => {
  it('opens controls with a verified (vendor/product id) layout on sight; a failed open is a status, not a crash', async () => {
    // a control as node-hid would enumerate it, at a hidraw path that does not exist on this machine
    // (no HID device can exist here), so the real node-hid open fails
    const entry = { ...loadHidTable()[0]!, id: 'test-ids', vendorId: 0x1234, productId: 0x5678 }
    const control = {
      id: 'hid:/dev/hidraw-missing',
      path: '/dev/hidraw-missing',
      label: 'Test buttons',
      entry,
      device: { vendorId: 0x1234, productId: 0x5678, usagePage: 12, usage: 1, interface: 0, path: '/dev/hidraw-missing' },
    }
    const generic = { ...control, id: 'hid:/dev/hidraw-generic', path: '/dev/hidraw-generic', entry: loadHidTable()[0]! }
    const registry = new DeviceRegistry({
      audio: new AudioBackendUnavailableError('not under test'),
      listSerialPorts: async () => [],
      listHidControls: async () => [control, generic],
    })
    await registry.refresh()
    await waitFor(() => registry.status(control.id) === 'error', 3000, 'the failed automatic open')
    expect(registry.listSources().find((s) => s.id === control.id)?.detail).toMatch(/hidraw-missing|cannot open|could not open/i)
    // the generic layout is only a guess: left alone until the user connects it
    expect(registry.status(generic.id)).toBe('available')
    // HID entries are controls, not audio: the API catalog does not offer them as sources
    expect((await registry.list()).some((d) => d.id.startsWith('hid:'))).toBe(false)
  })
})

const serialSkip = requireComponents(
  'registry serial hot-plug test',
  missingTools(['socat']).map((t) => `${t} not installed (apt socat)`),
)

describe.skipIf(serialSkip !== undefined)('device registry: serial hot-plug with real ptys', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ausculta-registry-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('adds a pty when it appears, streams through connect, reports loss and removal when it goes', async () => {
    // like udev listing /dev/ttyACM*: the host ends of whatever pty pairs currently exist
    const listSerialPorts = async (): Promise<Array<{ path: string }>> =>
      readdirSync(dir)
        .filter((f) => f.endsWith('-host'))
        .map((f) => ({ path: join(dir, f) }))
        .filter((p) => existsSync(p.path))
    const registry = new DeviceRegistry({
      audio: new AudioBackendUnavailableError('not under test'),
      listSerialPorts,
      listHidControls: null,
      pollIntervalMs: 200,
    })
    const events = recordEvents(registry)
    registry.startPolling()
    const cleanup: Array<() => void> = []
    try {
      await waitFor(() => events.length > 0 || registry.listSources().length > 0, 2000, 'the first poll')
      expect(registry.listSources().filter((s) => s.kind === 'serial')).toEqual([])
      const pty = await startPtyPair(dir, 'steth')
      const id = `serial:${pty.hostEnd}`
      // poll interval 200 ms: the pty must show up within a few polls
      await waitFor(() => events.some((e) => e.type === 'added' && e.source.id === id), 3000, 'the added event')
      const sim = await startSimulator(['--serial', pty.deviceEnd, '--wav', SAMPLE, '--loop'])
      cleanup.push(
        () => sim.process.kill(),
        () => void pty.kill(),
      )
      const source = (await registry.connect(id)) as PcmSource
      const { chunks } = collect(source)
      await waitFor(() => chunks.length > 5, 5000, 'audio through the registry')
      expect(registry.status(id)).toBe('streaming')
      await pty.kill() // unplug
      await waitFor(() => registry.listSources().every((s) => s.id !== id), 3000, 'removal from the list')
      // The hot-plug poll can notice the missing port before the stream reports its loss: wait for both.
      await waitFor(() => events.some((e) => e.type === 'status' && e.id === id && e.status === 'lost'), 3000, 'the lost status')
      expect(events.some((e) => e.type === 'status' && e.id === id && e.status === 'lost')).toBe(true)
      expect(events.some((e) => e.type === 'removed' && e.source.id === id)).toBe(true)
      expect(await sim.exited).toBe(1)
    } finally {
      registry.stopPolling()
      cleanup.forEach((f) => f())
    }
  })
})

const audio = audioPrerequisites()

describe.skipIf(audio.skip !== undefined)('device registry: PortAudio devices', () => {
  let pulse: PulseDaemon
  beforeAll(() => {
    pulse = startPulse()
  })
  afterAll(async () => {
    await pulse?.kill()
  })

  it('lists the PulseAudio input, connects at 4 kHz, disconnects', async () => {
    // rescan on every poll, so the poll during streaming really meets the "stream open" case
    const registry = new DeviceRegistry({
      audio: audio.binding!,
      audioSampleRateHz: 4000,
      audioRescanIntervalMs: 0,
      listSerialPorts: async () => [],
      listHidControls: null,
    })
    await registry.refresh()
    const entry = registry.listSources().find((s) => s.id === 'audio:ALSA:pulse')
    expect(entry).toMatchObject({ kind: 'audio', status: 'available' })
    const source = (await registry.connect(entry!.id)) as PcmSource
    const { chunks } = collect(source)
    // PulseAudio's first buffer takes ~2 s here
    await waitFor(() => chunks.length > 0, 10_000, 'a captured chunk')
    expect(chunks[0]!.sampleRateHz).toBe(4000)
    expect(registry.status(entry!.id)).toBe('streaming')
    // while the stream is open a rescan is impossible: the poll keeps the old list instead of failing
    await registry.refresh()
    expect(registry.listSources().some((s) => s.id === entry!.id)).toBe(true)
    await registry.disconnect(entry!.id)
    expect(registry.status(entry!.id)).toBe('available')
  })
})
