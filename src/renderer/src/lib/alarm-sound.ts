/**
 * Plays the IEC 60601-1-8 bursts of src/core/alarms/alarm-tones.ts through the page's Web Audio
 * (browser mode: this computer's output; Electron: the system's default output). Each burst is
 * the core module's samples in an AudioBuffer, started at an exact time on the audio clock, so
 * the pulse timing is the tested one and the interburst interval does not drift with the
 * page's timers. What was scheduled, and a recording of the output on request, are in
 * `window.__auscultaAlarmSound` for the end-to-end test (and for anyone checking a live system).
 */
import { burstDue, type BurstClock } from '../../../core/alarms/alarm-sound-plan'
import { burstFor, nextBurstAtS, synthesizeBurst } from '../../../core/alarms/alarm-tones'
import type { AlarmPriority } from '../../../core/monitor/monitor-events'
import { sinkIdForOutput } from './alarm-output'

export interface ScheduledBurst {
  priority: AlarmPriority
  /** Audio-clock seconds of the burst's start, and its pulses' start, duration and pitch (absolute). */
  startS: number
  pulses: Array<{ startS: number; durationS: number; frequencyHz: number }>
}

/** How far ahead of its time a burst is handed to the audio clock (the page's timer ticks every 250 ms). */
const LOOKAHEAD_S = 0.35
const START_DELAY_S = 0.03
const KEEP_SCHEDULED = 50

interface TestHook {
  scheduled: ScheduledBurst[]
  state: () => string
  /** Records the output for `seconds`: the peak of every 1-ms block, from the moment of the call. */
  record: (seconds: number) => Promise<{ blockS: number; peaks: number[]; startS: number }>
}

export class AlarmSound {
  private context: AudioContext | null = null
  private output: GainNode | null = null
  private readonly buffers = new Map<AlarmPriority, AudioBuffer>()
  private clock: BurstClock | null = null
  private sources: AudioBufferSourceNode[] = []
  readonly scheduled: ScheduledBurst[] = []
  private unlockArmed = false
  /** The listening output's name (Electron): the alarm goes where the clinician listens. */
  private outputName: string | null = null

  constructor() {
    const hook: TestHook = {
      scheduled: this.scheduled,
      state: () => this.context?.state ?? 'none',
      record: (seconds) => this.record(seconds),
    }
    ;(window as unknown as { __auscultaAlarmSound: TestHook }).__auscultaAlarmSound = hook
  }

  /** Plays on the output named `name` where the page can find it (alarm-output.ts), else on the default output. */
  setOutput(name: string | null): void {
    this.outputName = name
    if (this.context) void this.applyOutput(this.context)
  }

  private async applyOutput(context: AudioContext): Promise<void> {
    const sinkable = context as AudioContext & { setSinkId?: (id: string) => Promise<void> }
    if (!sinkable.setSinkId || !navigator.mediaDevices?.enumerateDevices) return
    try {
      const sinkId = sinkIdForOutput(await navigator.mediaDevices.enumerateDevices(), this.outputName)
      await sinkable.setSinkId(sinkId ?? '')
    } catch {
      // The default output is still there: an alarm must sound somewhere rather than nowhere.
    }
  }

  /** True while the browser keeps the audio from starting (no click or key on the page yet). */
  get blocked(): boolean {
    return this.context !== null && this.context.state !== 'running'
  }

  /** Called on every tick with the priority that should sound now (null: silence). */
  update(priority: AlarmPriority | null): void {
    if (priority === null) {
      this.silence()
      return
    }
    const context = this.ensureContext()
    if (context.state !== 'running') {
      // Never queue bursts on a stopped clock: they would all play at once when it starts.
      void context.resume().catch(() => undefined)
      this.armUnlock(context)
      return
    }
    const now = context.currentTime
    if (!burstDue(priority, this.clock, now + LOOKAHEAD_S)) return
    const due = this.clock && this.clock.priority === priority ? (nextBurstAtS(burstFor(priority), this.clock.lastStartS) as number) : now
    if (this.clock?.priority !== priority) this.stopSources()
    this.play(context, priority, Math.max(due, now + START_DELAY_S))
  }

  private play(context: AudioContext, priority: AlarmPriority, startS: number): void {
    const spec = burstFor(priority)
    let buffer = this.buffers.get(priority)
    if (!buffer) {
      const samples = synthesizeBurst(spec, context.sampleRate)
      buffer = context.createBuffer(1, samples.length, context.sampleRate)
      buffer.copyToChannel(samples, 0)
      this.buffers.set(priority, buffer)
    }
    const source = context.createBufferSource()
    source.buffer = buffer
    source.connect(this.output as GainNode)
    source.start(startS)
    source.onended = () => (this.sources = this.sources.filter((s) => s !== source))
    this.sources.push(source)
    this.clock = { priority, lastStartS: startS }
    this.scheduled.push({
      priority,
      startS,
      pulses: spec.pulses.map((p) => ({ startS: startS + p.startS, durationS: p.durationS, frequencyHz: p.frequencyHz })),
    })
    if (this.scheduled.length > KEEP_SCHEDULED) this.scheduled.splice(0, this.scheduled.length - KEEP_SCHEDULED)
  }

  /** Acknowledged, paused or cleared: the sound stops at once, even mid-burst. */
  private silence(): void {
    this.clock = null
    this.stopSources()
  }

  private stopSources(): void {
    for (const source of this.sources) {
      try {
        source.stop()
      } catch {
        // Already ended.
      }
    }
    this.sources = []
  }

  private ensureContext(): AudioContext {
    if (!this.context) {
      this.context = new AudioContext({ latencyHint: 'interactive' })
      this.output = this.context.createGain()
      this.output.gain.value = 1
      this.output.connect(this.context.destination)
      if (this.outputName) void this.applyOutput(this.context)
    }
    return this.context
  }

  /** Browsers start audio only after a user gesture: the next click or key anywhere starts it. */
  private armUnlock(context: AudioContext): void {
    if (this.unlockArmed) return
    this.unlockArmed = true
    const unlock = (): void => {
      void context.resume().catch(() => undefined)
      this.unlockArmed = false
      window.removeEventListener('pointerdown', unlock, true)
      window.removeEventListener('keydown', unlock, true)
    }
    window.addEventListener('pointerdown', unlock, true)
    window.addEventListener('keydown', unlock, true)
  }

  /** What the alarm output carries, recorded in the page (a ScriptProcessor tap: no worklet file to serve). */
  private async record(seconds: number): Promise<{ blockS: number; peaks: number[]; startS: number }> {
    const context = this.ensureContext()
    const tap = context.createScriptProcessor(1024, 1, 1)
    const blockSamples = Math.max(1, Math.round(context.sampleRate / 1000))
    const peaks: number[] = []
    let current = 0
    let inBlock = 0
    let startS = -1
    tap.onaudioprocess = (event) => {
      if (startS < 0) startS = event.playbackTime
      const input = event.inputBuffer.getChannelData(0)
      for (const v of input) {
        current = Math.max(current, Math.abs(v))
        if (++inBlock === blockSamples) {
          peaks.push(current)
          current = 0
          inBlock = 0
        }
      }
    }
    ;(this.output as GainNode).connect(tap)
    // A ScriptProcessor runs only while connected to the destination; its output is silent.
    tap.connect(context.destination)
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    ;(this.output as GainNode).disconnect(tap)
    tap.disconnect()
    return { blockS: blockSamples / context.sampleRate, peaks, startS }
  }
}
