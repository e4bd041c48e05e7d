/**
 * Live listening in the main process: the active source's chunks, at the device's own rate,
 * through a ListeningPath (filter → gain → limiter) into a live output stream on the chosen
 * device. It never waits for the 4-kHz model stream or a 5-s window: each chunk is processed and
 * written as it arrives, the output's jitter buffer is the only queue.
 *
 * One stream at a time: it opens with the first chunk after listening is enabled, is replaced when
 * the source's rate or the output device changes, and closes when listening is turned off, the
 * source stops or the app ends. A failed or vanished output becomes a status with an error (the
 * monitor is untouched); the next settings change or source tries again.
 *
 * A stream that dies while its device is still listed is reopened by itself (counted in
 * `recoveries`): on a loaded machine PortAudio's ALSA back end can lose a PulseAudio stream (a
 * failed poll ends it) although nothing was unplugged, and a clinician should not have to press
 * anything to hear again. Only a device that is really gone — or one that keeps failing (more than
 * MAX_RECOVERIES_PER_MINUTE) — is reported as an error.
 */
import type { ListeningPatch, ListeningPreferences, ListeningStatus } from '../../core/api/contract'
import { isListeningFilterMode } from '../../core/dsp/listening-filters'
import { LISTENING_GAIN_MAX_DB, LISTENING_GAIN_MIN_DB, ListeningPath } from '../../core/dsp/listening-path'
import { InvalidArgumentError } from '../../core/errors'
import { AudioOutputLostError, openAudioOutput, type AudioOutput, type AudioOutputOptions } from '../audio/audio-output'
import { describePortAudioOutputId, isPortAudioOutputId } from '../audio/output-device-choice'
import type { PcmChunk, PcmSource } from '../devices/source'
import { listOutputDevices } from './output-devices'

/** Automatic reopenings allowed within a minute before a failing output is reported instead. */
export const MAX_RECOVERIES_PER_MINUTE = 3

export const DEFAULT_LISTENING_PREFERENCES: ListeningPreferences = { filter: 'wide', gainDb: 18, outputDeviceId: null }

export interface LiveListeningOptions {
  preferences?: ListeningPreferences
  /** Called whenever the status changes (settings, stream opened/closed, underruns, failure). */
  onStatus?: (status: ListeningStatus) => void
  /** Called when a settings change should be saved (filter, gain, device). */
  onPreferences?: (preferences: ListeningPreferences) => void
  /** Jitter-buffer floor and hard bound (the bench's figures: 20 ms floor, 300 ms bound). */
  latencyMs?: number
  maxLatencyMs?: number
  /** No device callback for this long while playing means the device is gone. */
  watchdogMs?: number
  /** How often the open stream's levels (underruns, queue) are refreshed in the status. */
  pollMs?: number
  backend?: AudioOutputOptions['backend']
  /** Where PulseAudio is (tests run a private server). */
  env?: NodeJS.ProcessEnv
}

type ListeningError = NonNullable<ListeningStatus['error']>

/** An output id from listOutputDevices → how openAudioOutput reaches it: a PortAudio device, or a PulseAudio sink. */
function outputRoute(outputDeviceId: string | null): Pick<AudioOutputOptions, 'device' | 'portAudioDevice'> {
  if (outputDeviceId === null) return {}
  return isPortAudioOutputId(outputDeviceId) ? { portAudioDevice: { id: outputDeviceId } } : { device: outputDeviceId }
}

export class LiveListening {
  private preferences: ListeningPreferences
  private enabled = false
  private muted = false
  private source: PcmSource | null = null
  private unsubscribe: (() => void) | null = null
  private path: ListeningPath | null = null
  private output: AudioOutput | null = null
  private outputRateHz: number | null = null
  private sourceRateHz: number | null = null
  private error: ListeningError | null = null
  /** Set while a failed stream's device is being looked up: no reopening meanwhile. */
  private checkingDevice = false
  private recoveries = 0
  private recoveryTimesMs: number[] = []
  private poller: NodeJS.Timeout | null = null
  private lastPublished = ''

  constructor(private readonly options: LiveListeningOptions = {}) {
    this.preferences = { ...DEFAULT_LISTENING_PREFERENCES, ...options.preferences }
  }

  /** Follows the monitor's source (null when it stops); chunks are taken as they come. */
  attachSource(source: PcmSource | null): void {
    if (source === this.source) return
    this.unsubscribe?.()
    this.unsubscribe = null
    this.source = source
    this.sourceRateHz = null
    this.closeOutput()
    // A new source is a new chance for an output that failed on the last one.
    this.error = null
    this.path?.reset()
    if (source) {
      // Never return the promise a paced source would wait for: listening must not slow the monitor.
      this.unsubscribe = source.on((event) => {
        if (event.type !== 'chunk') return
        try {
          this.onChunk(event.chunk)
        } catch (error) {
          // Whatever goes wrong on the way to the ears must not reach the source (and the monitor).
          this.fail(error, 'unavailable')
        }
      })
    }
    this.publish()
  }

  set(patch: ListeningPatch): ListeningStatus {
    // Checked before anything changes (the API's schema checks too; this guards direct callers).
    if (patch.gainDb !== undefined && !(patch.gainDb >= LISTENING_GAIN_MIN_DB && patch.gainDb <= LISTENING_GAIN_MAX_DB)) {
      throw new InvalidArgumentError(
        `listening gainDb: must be in [${LISTENING_GAIN_MIN_DB}, ${LISTENING_GAIN_MAX_DB}] dB, got ${patch.gainDb}`,
      )
    }
    if (patch.filter !== undefined && !isListeningFilterMode(patch.filter))
      throw new InvalidArgumentError(`listening filter: unknown ${JSON.stringify(patch.filter)} (bell, diaphragm or wide)`)
    const before = this.preferences
    const next: ListeningPreferences = {
      filter: patch.filter ?? before.filter,
      gainDb: patch.gainDb ?? before.gainDb,
      outputDeviceId: patch.outputDeviceId === undefined ? before.outputDeviceId : patch.outputDeviceId,
    }
    this.preferences = next
    if (patch.muted !== undefined) this.muted = patch.muted
    if (this.path) {
      if (next.filter !== this.path.filterName) this.path.setFilter(next.filter)
      if (next.gainDb !== this.path.gainDb) this.path.setGainDb(next.gainDb)
      this.path.setMuted(this.muted)
    }
    const deviceChanged = next.outputDeviceId !== before.outputDeviceId
    if (patch.enabled !== undefined && patch.enabled !== this.enabled) {
      this.enabled = patch.enabled
      if (!this.enabled) this.closeOutput()
    }
    if (deviceChanged) this.closeOutput()
    // Any change is the user acting on the status line: try the output again with the next chunk.
    this.error = null
    if (next.filter !== before.filter || next.gainDb !== before.gainDb || deviceChanged) this.options.onPreferences?.(next)
    this.publish()
    return this.status()
  }

  status(): ListeningStatus {
    const stats = this.output?.stats() ?? null
    const state: ListeningStatus['state'] = this.error ? 'failed' : !this.enabled ? 'off' : this.output ? 'playing' : 'waiting'
    return {
      enabled: this.enabled,
      muted: this.muted,
      filter: this.preferences.filter,
      gainDb: this.preferences.gainDb,
      outputDeviceId: this.preferences.outputDeviceId,
      state,
      outputDescription: this.output?.description ?? null,
      sampleRateHz: this.outputRateHz ?? this.sourceRateHz,
      targetLatencyMs: stats?.targetLatencyMs ?? null,
      queuedMs: stats?.bufferedMs ?? null,
      underruns: stats?.underruns ?? 0,
      recoveries: this.recoveries,
      error: this.error,
    }
  }

  get currentPreferences(): ListeningPreferences {
    return { ...this.preferences }
  }

  dispose(): void {
    this.attachSource(null)
    this.closeOutput()
  }

  private onChunk(chunk: PcmChunk): void {
    this.sourceRateHz = chunk.sampleRateHz
    if (!this.enabled || this.error || this.checkingDevice || chunk.samples.length === 0) return
    if (!this.output || this.outputRateHz !== chunk.sampleRateHz) {
      if (!this.open(chunk.sampleRateHz)) return
    }
    this.output!.write(this.path!.process(chunk.samples))
  }

  private open(sampleRateHz: number): boolean {
    this.closeOutput()
    if (!this.path || this.path.sampleRateHz !== sampleRateHz) {
      this.path = new ListeningPath({ sampleRateHz, filter: this.preferences.filter, gainDb: this.preferences.gainDb })
    } else {
      this.path.reset()
    }
    this.path.setMuted(this.muted)
    const env = this.options.env ?? process.env
    let output: AudioOutput
    try {
      output = openAudioOutput(
        {
          sampleRateHz,
          live: true,
          latencyMs: this.options.latencyMs ?? 20,
          maxLatencyMs: this.options.maxLatencyMs ?? 300,
          ...outputRoute(this.preferences.outputDeviceId),
          ...(this.options.watchdogMs !== undefined ? { watchdogMs: this.options.watchdogMs } : {}),
          ...(this.options.backend ? { backend: this.options.backend } : {}),
        },
        env,
      )
    } catch (error) {
      this.fail(error, 'unavailable')
      return false
    }
    this.output = output
    this.outputRateHz = sampleRateHz
    output.ready().catch((error: unknown) => {
      if (this.output === output) this.fail(error, 'unavailable')
    })
    // A lost device or audio server is told by the output itself (the addon's state events, pacat's exit).
    output.onFailure((failure) => {
      if (this.output !== output) return
      if (failure instanceof AudioOutputLostError) this.recoverOrFail(failure)
      else this.fail(failure, 'unavailable')
    })
    // The levels shown (underruns, queue, target) move constantly: refreshed on a timer.
    this.poller = setInterval(() => this.publish(), this.options.pollMs ?? 200)
    this.poller.unref()
    this.publish()
    return true
  }

  /** A lost stream: reopen it when its device is still there (and has not kept failing), else report it lost. */
  private recoverOrFail(failure: AudioOutputLostError): void {
    this.closeOutput()
    const nowMs = Date.now()
    this.recoveryTimesMs = this.recoveryTimesMs.filter((t) => nowMs - t < 60_000)
    if (this.recoveryTimesMs.length >= MAX_RECOVERIES_PER_MINUTE) {
      this.fail(failure, 'device-lost')
      return
    }
    const id = this.preferences.outputDeviceId
    this.checkingDevice = true
    void listOutputDevices(this.options.env ?? process.env)
      .then((outputs) => (id === null ? outputs.devices.length > 0 : outputs.devices.some((d) => d.id === id)))
      .catch(() => false)
      .then((stillThere) => {
        this.checkingDevice = false
        // The user changed something meanwhile (device, source): their action decides.
        if (id !== this.preferences.outputDeviceId || this.error || this.output) return
        if (!stillThere) {
          this.fail(failure, 'device-lost')
          return
        }
        this.recoveryTimesMs.push(Date.now())
        this.recoveries++
        this.publish() // the next chunk reopens the stream
      })
  }

  private fail(error: unknown, code: ListeningError['code']): void {
    const e = error instanceof Error ? error : new Error(String(error))
    const id = this.preferences.outputDeviceId
    const device = id === null ? 'the default output' : isPortAudioOutputId(id) ? describePortAudioOutputId(id) : id
    const message =
      code === 'device-lost' ? `output device lost (${device}): choose another. ${e.message}` : `cannot play on ${device}: ${e.message}`
    this.closeOutput()
    this.error = { name: e.name, message, code }
    this.publish()
  }

  private closeOutput(): void {
    if (this.poller) clearInterval(this.poller)
    this.poller = null
    const output = this.output
    this.output = null
    this.outputRateHz = null
    // abort, not end: a live stream has nothing worth draining, and a lost device must not be waited on.
    output?.abort()
  }

  /** Emits the status when something a listener shows changed (not the queue level, which moves constantly). */
  private publish(): void {
    const status = this.status()
    const key = JSON.stringify({
      ...status,
      queuedMs: null,
      targetLatencyMs: status.targetLatencyMs === null ? null : Math.round(status.targetLatencyMs),
    })
    if (key === this.lastPublished) return
    this.lastPublished = key
    this.options.onStatus?.(status)
  }
}
