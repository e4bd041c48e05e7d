/**
 * The monitor engine end to end with the shipped model, a real worker thread and real sample
 * recordings played through the demo source.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readWavMono } from '../../../src/main/io/wav-file'
import { EncoderModel } from '../../../src/main/model/encoder-model'
import { Monitor } from '../../../src/main/engine/monitor'
import { DemoFileSource } from '../../../src/main/engine/demo-source'
import type { AlarmEvent, MonitorErrorEvent, MonitorEvent, WindowEvent } from '../../../src/core/monitor/monitor-events'
import type { PcmSource, SourceEvent, SourceListener } from '../../../src/main/devices/source'

const MODEL = join(__dirname, '../../../models/ausculta-encoder.onnx')
const sample = (name: string): string => join(__dirname, '../../../samples', name)

let monitor: Monitor | null = null
afterEach(async () => {
  await monitor?.dispose()
  monitor = null
})

function collect(target: Monitor): MonitorEvent[] {
  const events: MonitorEvent[] = []
  target.on((event) => events.push(event))
  return events
}

const windowsOf = (events: MonitorEvent[]): WindowEvent[] => events.filter((e): e is WindowEvent => e.type === 'window')

/** Chunk i of a 4-kHz recording cut into 0.1-s chunks. */
function chunk400(samples: Float32Array, i: number): SourceEvent {
  return { type: 'chunk', chunk: { samples: samples.slice(i * 400, (i + 1) * 400), sampleRateHz: 4000, firstSampleIndex: i * 400 } }
}

/** A source driven by the test: it emits exactly the chunks handed to it. */
class ScriptedSource implements PcmSource {
  readonly id = 'scripted'
  readonly kind = 'demo' as const
  readonly label = 'scripted'
  private listener: SourceListener | null = null
  on(listener: SourceListener): () => void {
    this.listener = listener
    return () => (this.listener = null)
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async emit(event: SourceEvent): Promise<void> {
    await this.listener?.(event)
  }
}

/**
 * A monitor with the shipped model, running on a test-driven source, its events collected, and
 * 50238_MV's samples to feed it.
 */
async function startScripted(): Promise<{ running: Monitor; events: MonitorEvent[]; source: ScriptedSource; samples: Float32Array }> {
  const running = new Monitor()
  monitor = running // disposed by afterEach
  await running.loadModel(MODEL)
  const events = collect(running)
  const source = new ScriptedSource()
  await running.start(source)
  return { running, events, source, samples: readWavMono(sample('50238_MV.wav')).samples }
}

describe('Monitor', () => {
  it('gives the same per-window HR from the demo source at full speed as offline inference on the same windows', async () => {
    monitor = new Monitor()
    await monitor.loadModel(MODEL)
    const events = collect(monitor)
    const source = new DemoFileSource(sample('50238_MV.wav'), { speed: Infinity })
    await monitor.start(source)
    await source.whenFinished()
    await monitor.drain()
    const windows = windowsOf(events)
    const { samples } = readWavMono(sample('50238_MV.wav'))
    // Windows end every 1 s from 5 s to the end of the file, none dropped thanks to back-pressure.
    const expectedCount = Math.floor((samples.length - 20000) / 4000) + 1
    expect(windows.length).toBe(expectedCount)
    expect(monitor.status().droppedWindows).toBe(0)

    const offline = await EncoderModel.load(MODEL)
    const starts = windows.map((w) => Math.round(w.windowStartS * 4000))
    const outputs = await offline.run(starts.map((start) => samples.slice(start, start + 20000)))
    await offline.release()
    windows.forEach((window, i) => {
      // Same graph, same samples: only float summation order may differ (1e-3 bpm is far below display precision).
      expect(window.hrBpm).toBeCloseTo(outputs.production[i]?.hrBpm as number, 3)
      expect(window.layers.length).toBe(offline.card.layers.length)
      expect(window.layers[0]?.validationMaeBpm).toBe(offline.card.layers[0]?.validation.maeBpm)
    })
    expect(windows.every((w) => w.modelId.startsWith(offline.card.id))).toBe(true)
    // A regular rhythm: the beat detector flags 2 single windows of this recording (interval spread
    // just over 10 %), which must not add up to an "irregular rhythm" on the screen.
    expect(windows.filter((w) => w.beats !== undefined).length).toBe(windows.length)
    expect(windows.some((w) => w.beats?.irregular)).toBe(false)
  })

  it('drops windows (counted) instead of queueing them when inference falls behind', async () => {
    monitor = new Monitor()
    await monitor.loadModel(MODEL)
    await monitor.simulateSlowInference(250)
    const events = collect(monitor)
    const source = new ScriptedSource()
    await monitor.start(source)
    const { samples } = readWavMono(sample('50238_MV.wav'))
    // Push 20 s of audio in 0.1-s chunks without waiting: 16 windows arrive within milliseconds
    // while each inference takes ≥ 250 ms, so all but the running one and the latest must drop.
    for (let i = 0; i < 200; i++) void source.emit(chunk400(samples, i))
    await monitor.drain()
    const status = monitor.status()
    const submitted = Math.floor((80000 - 20000) / 4000) + 1
    expect(status.droppedWindows).toBeGreaterThan(0)
    expect(status.analysedWindows + status.droppedWindows).toBe(submitted)
    expect(windowsOf(events).length).toBe(status.analysedWindows)
  })

  it('reports corrupt chunks as error events and keeps running', async () => {
    const { running, events, source, samples } = await startScripted()
    const bad = samples.slice(0, 400)
    bad[17] = Number.NaN
    await source.emit({ type: 'chunk', chunk: { samples: bad, sampleRateHz: 4000, firstSampleIndex: 0 } })
    await source.emit({ type: 'chunk', chunk: { samples: new Float32Array(0), sampleRateHz: 4000, firstSampleIndex: 0 } })
    await source.emit({ type: 'chunk', chunk: { samples: samples.slice(0, 400), sampleRateHz: -4000, firstSampleIndex: 0 } })
    for (let i = 0; i < 200; i++) await source.emit(chunk400(samples, i))
    await running.drain()
    const errors = events.filter((e): e is MonitorErrorEvent => e.type === 'error')
    expect(errors.map((e) => e.name)).toEqual(['InvalidChunkError', 'InvalidChunkError', 'InvalidChunkError'])
    expect(errors[0]?.message).toMatch(/non-finite sample \(NaN\) at offset 17/)
    expect(errors[1]?.message).toMatch(/empty chunk/)
    expect(errors[2]?.message).toMatch(/sample rate -4000 Hz/)
    expect(errors.every((e) => !e.fatal)).toBe(true)
    // 20 s of good audio afterwards → windows ending at 5, 6, …, 20 s: the engine survived.
    expect(windowsOf(events).length).toBe(16)
  })

  it('resamples a 48 kHz source to the model rate', async () => {
    const { running, events, source, samples } = await startScripted()
    // Zero-order hold to 48 kHz is crude, but the heart sounds' timing (what HR depends on) survives.
    const upsampled = new Float32Array(samples.length * 12).map((_, i) => samples[Math.floor(i / 12)] as number)
    // 10.5 s in: the resampler's filter delay (a few ms) must not cost the window ending at 10 s.
    for (let offset = 0; offset < 10.5 * 48000; offset += 4800)
      await source.emit({
        type: 'chunk',
        chunk: { samples: upsampled.slice(offset, offset + 4800), sampleRateHz: 48000, firstSampleIndex: offset },
      })
    await running.drain()
    expect(windowsOf(events).length).toBe(6)
  })

  it('raises a low-HR alarm on a slow heart and lets it be acknowledged', async () => {
    monitor = new Monitor({ settings: { alarms: { hrLowBpm: 60, hrHighBpm: 150, sustainSeconds: 3, signalLostSeconds: 10 } } })
    await monitor.loadModel(MODEL)
    const events = collect(monitor)
    // An infant's real heart sounds slowed beat by beat to ~55 bpm (tests/fixtures/tempo/README.md).
    const source = new DemoFileSource(join(__dirname, '../../fixtures/tempo/74420_MV_slowed55.wav'), { speed: Infinity })
    await monitor.start(source)
    await source.whenFinished()
    await monitor.drain()
    const shown = windowsOf(events).flatMap((w) => (w.display.hrBpm === null ? [] : [w.display.hrBpm]))
    // Its .tsv says 51.7–57.1 bpm: every number shown lies in that band widened by the 5-bpm tolerance.
    expect(shown.length).toBeGreaterThan(20)
    for (const hr of shown) expect(Math.abs(hr - 54.5)).toBeLessThan(8)
    const alarms = events.filter((e): e is AlarmEvent => e.type === 'alarm')
    expect(alarms.some((a) => a.kind === 'hr-low' && a.state === 'raised')).toBe(true)
    monitor.acknowledgeAlarm('hr-low')
    expect(events.some((e) => e.type === 'alarm' && e.kind === 'hr-low' && e.state === 'acknowledged')).toBe(true)
  })

  it('shows no double-rate number on a slow heart whose extra sound doubles the other estimators (84749_TV)', async () => {
    monitor = new Monitor()
    await monitor.loadModel(MODEL)
    const events = collect(monitor)
    // 84749_TV: 48–50 bpm by its annotations (from 6.66 s); an extra diastolic sound makes the
    // beat track and the classical estimator read ~98. The screen shows ~49 or "check", never ~98.
    const source = new DemoFileSource(sample('84749_TV.wav'), { speed: Infinity })
    await monitor.start(source)
    await source.whenFinished()
    await monitor.drain()
    const annotated = windowsOf(events).filter((w) => w.windowStartS >= 6.5)
    expect(annotated.length).toBeGreaterThan(5)
    for (const w of annotated) {
      if (w.display.hrBpm !== null) expect(Math.abs(w.display.hrBpm - 49)).toBeLessThan(5)
      else expect(w.display.reason).toMatch(/\S/)
    }
    expect(annotated.some((w) => w.display.state === 'check' && /disagree/.test(w.display.reason ?? ''))).toBe(true)
  })

  it('swaps the model without restarting the stream', async () => {
    const { running, events, source, samples } = await startScripted()
    for (let i = 0; i < 30; i++) await source.emit(chunk400(samples, i))
    await running.loadModel(MODEL)
    for (let i = 30; i < 80; i++) await source.emit(chunk400(samples, i))
    await running.drain()
    expect(running.status().state).toBe('running')
    expect(windowsOf(events).map((w) => w.seq)).toEqual([1, 2, 3, 4])
  })

  it('drops the windows still being analysed when the stream stops, and says it was stopped', async () => {
    monitor = new Monitor()
    await monitor.loadModel(MODEL)
    // Each window takes ≥ 400 ms: the ones submitted just before the stop are still in the worker.
    await monitor.simulateSlowInference(400)
    const events = collect(monitor)
    const source = new ScriptedSource()
    await monitor.start(source)
    const { samples } = readWavMono(sample('50238_MV.wav'))
    for (let i = 0; i < 80; i++) await source.emit(chunk400(samples, i))
    await monitor.stop()
    await monitor.drain()
    // At least one window (ending at 5 s) reached the worker before the stop.
    expect(monitor.status().analysedWindows + monitor.status().droppedWindows).toBeGreaterThan(0)
    const stoppedAt = events.findIndex((e) => e.type === 'status' && e.state === 'stopped')
    expect(stoppedAt).toBeGreaterThan(0)
    expect(events[stoppedAt]).toMatchObject({ state: 'stopped', stopReason: { kind: 'stopped' } })
    // Nothing of the stopped stream comes after its stop: no window, no alarm.
    expect(events.slice(stoppedAt + 1).filter((e) => e.type === 'window' || e.type === 'alarm')).toEqual([])
    expect(monitor.status()).toMatchObject({ state: 'stopped', stopReason: { kind: 'stopped' } })

    // Started again, the new stream's windows come as usual and the reason is gone.
    await monitor.simulateSlowInference(0)
    await monitor.start(source)
    expect(monitor.status().state).toBe('running')
    expect(monitor.status().stopReason).toBeUndefined()
    for (let i = 0; i < 60; i++) await source.emit(chunk400(samples, i))
    await monitor.drain()
    expect(windowsOf(events.slice(stoppedAt + 1)).length).toBe(2)
  })

  it('reports a source that fails to start as stopped with the reason "source-failed" and its message', async () => {
    monitor = new Monitor()
    const events = collect(monitor)
    const failing = new ScriptedSource()
    failing.start = async () => {
      throw new Error('/dev/ttyUSB9: Permission denied')
    }
    await monitor.start(failing)
    const status = monitor.status()
    expect(status).toMatchObject({ state: 'stopped', stopReason: { kind: 'source-failed', detail: '/dev/ttyUSB9: Permission denied' } })
    expect(events.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.state : ''))).toEqual(['running', 'stopped'])
    expect(events.find((e) => e.type === 'error')).toMatchObject({ fatal: true, message: '/dev/ttyUSB9: Permission denied' })
  })

  it('fails to load a missing model with a clear error and keeps the classical estimator running', async () => {
    monitor = new Monitor()
    await expect(monitor.loadModel('/nonexistent/model.onnx')).rejects.toThrow(/model file not found/)
    const events = collect(monitor)
    const source = new DemoFileSource(sample('68303_AV.wav'), { speed: Infinity })
    await monitor.start(source)
    await source.whenFinished()
    await monitor.drain()
    const windows = windowsOf(events)
    expect(windows.length).toBeGreaterThan(0)
    expect(windows.every((w) => w.hrBpm === null && w.display.state !== 'reliable')).toBe(true)
    expect(windows.some((w) => w.classical.hrBpm !== null)).toBe(true)
  })
})
