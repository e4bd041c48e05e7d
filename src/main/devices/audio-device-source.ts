/**
 * An input device of the PortAudio addon as a PcmSource: one native stream per start(),
 * multichannel input mixed to mono, buffers dropped by the native queue filled with marked
 * silence (so time never shifts), device loss reported as an error plus status 'lost'.
 */
import { AuscultaError, InvalidArgumentError } from '../../core/errors'
import type { AudioBinding, NativeInputDevice, NativeInputStream, NativeStreamEvent } from './audio-addon'
import { downmixInterleavedToMono } from '../../core/dsp/downmix'
import { HubSource } from './source-events'

export class AudioDeviceError extends AuscultaError {}
/** The device disappeared or the audio server stopped while streaming. */
export class AudioDeviceLostError extends AudioDeviceError {}

export interface AudioDeviceSourceOptions {
  sampleRateHz: number
  /** channels to open (mixed to mono); default 1 */
  channels?: number
  framesPerBuffer?: number
  watchdogMs?: number
  startupGraceMs?: number
  /** how long start/stop may take before the source gives up on the native stream */
  requestTimeoutMs?: number
  /** largest index jump filled with silence, in seconds */
  maxGapSeconds?: number
  /** audio the addon queues while JS is busy before it drops buffers (min 1 s) */
  maxQueueSeconds?: number
}

export class AudioDeviceSource extends HubSource {
  readonly kind = 'audio' as const
  readonly id: string
  readonly label: string
  private stream: NativeInputStream | undefined
  private nextRequestId = 1
  private readonly pending = new Map<number, (error?: string) => void>()
  private nextSampleIndex = 0
  private readonly options: Required<AudioDeviceSourceOptions>

  constructor(
    private readonly binding: AudioBinding,
    private readonly device: NativeInputDevice,
    options: AudioDeviceSourceOptions,
  ) {
    super()
    this.id = audioSourceId(device)
    this.label = `${device.name} (${device.hostApi})`
    const channels = options.channels ?? 1
    if (!Number.isInteger(channels) || channels < 1 || channels > device.maxInputChannels)
      throw new InvalidArgumentError(`audio source ${device.name}: channels ${channels} outside 1..${device.maxInputChannels}`)
    if (!Number.isFinite(options.sampleRateHz) || options.sampleRateHz < 1000)
      throw new InvalidArgumentError(`audio source ${device.name}: sampleRateHz ${options.sampleRateHz} below 1000`)
    this.options = {
      sampleRateHz: options.sampleRateHz,
      channels,
      framesPerBuffer: options.framesPerBuffer ?? Math.round(options.sampleRateHz / 50),
      watchdogMs: options.watchdogMs ?? 1500,
      startupGraceMs: options.startupGraceMs ?? 6000,
      requestTimeoutMs: options.requestTimeoutMs ?? 8000,
      maxGapSeconds: options.maxGapSeconds ?? 10,
      maxQueueSeconds: options.maxQueueSeconds ?? 2,
    }
  }

  async start(): Promise<void> {
    if (this.stream) return
    this.hub.setStatus('connecting', this.label)
    this.nextSampleIndex = 0
    let stream: NativeInputStream
    try {
      const holder: { stream?: NativeInputStream } = {}
      stream = holder.stream = new this.binding.InputStream(
        {
          deviceIndex: this.device.index,
          sampleRateHz: this.options.sampleRateHz,
          channels: this.options.channels,
          framesPerBuffer: this.options.framesPerBuffer,
          watchdogMs: this.options.watchdogMs,
          startupGraceMs: this.options.startupGraceMs,
          maxQueueSeconds: this.options.maxQueueSeconds,
        },
        (event) => {
          if (holder.stream) this.onNative(holder.stream, event)
        },
      )
    } catch (error) {
      const failure = new AudioDeviceError(`audio source ${this.label}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      })
      this.hub.setStatus('error', failure.message)
      throw failure
    }
    this.stream = stream
    stream.ref()
    const error = await this.request(stream, 'start')
    if (error !== undefined) {
      const failure = new AudioDeviceError(`audio source ${this.label}: ${error}`)
      await this.closeNative(stream)
      this.hub.fail(failure, 'error')
      throw failure
    }
    if (this.stream === stream) this.hub.setStatus('streaming')
  }

  async stop(): Promise<void> {
    const stream = this.stream
    if (!stream) return
    await this.closeNative(stream)
    this.hub.setStatus('stopped')
  }

  private async closeNative(stream: NativeInputStream): Promise<void> {
    if (this.stream === stream) this.stream = undefined
    const error = await this.request(stream, 'close')
    stream.unref()
    if (error !== undefined && error !== 'closed')
      this.hub.emit({ type: 'error', error: new AudioDeviceError(`audio source ${this.label}: close: ${error}`) })
  }

  /** Resolves with an error message or undefined; never hangs longer than requestTimeoutMs. */
  private request(stream: NativeInputStream, kind: 'start' | 'close'): Promise<string | undefined> {
    const requestId = this.nextRequestId++
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId)
        resolve(`${kind} did not complete within ${this.options.requestTimeoutMs} ms (audio server not answering)`)
      }, this.options.requestTimeoutMs)
      this.pending.set(requestId, (error) => {
        clearTimeout(timer)
        this.pending.delete(requestId)
        resolve(error)
      })
      const queued = kind === 'start' ? stream.start(requestId) : stream.close(requestId)
      if (!queued) this.pending.get(requestId)?.('closed')
    })
  }

  private onNative(stream: NativeInputStream, event: NativeStreamEvent): void {
    if (event.type === 'done') {
      this.pending.get(event.requestId)?.(event.error)
      return
    }
    if (stream !== this.stream) return // a late event of a stream already stopped
    if (event.type === 'data') {
      this.onData(event.firstFrameIndex, event.data, event.overflow)
    } else if (event.type === 'error') {
      const error =
        event.code === 'device-lost'
          ? new AudioDeviceLostError(`audio source ${this.label}: ${event.message}`)
          : new AudioDeviceError(`audio source ${this.label}: ${event.message}`)
      this.stream = undefined
      void this.request(stream, 'close').then(() => stream.unref())
      this.hub.fail(error, event.code === 'device-lost' ? 'lost' : 'error')
    }
  }

  private onData(firstFrameIndex: number, interleaved: Float32Array, overflow: boolean): void {
    const sampleRateHz = this.options.sampleRateHz
    const missing = firstFrameIndex - this.nextSampleIndex
    if (missing > 0) {
      this.hub.emit({ type: 'overrun', lostSamples: missing })
      const fill = Math.min(missing, Math.round(this.options.maxGapSeconds * sampleRateHz))
      this.hub.emit({
        type: 'chunk',
        chunk: { samples: new Float32Array(fill), sampleRateHz, firstSampleIndex: this.nextSampleIndex, gaps: [[0, fill]] },
      })
      this.nextSampleIndex += fill
    } else if (overflow) {
      // the host API overran without saying how much: report it, the timeline stays as delivered
      this.hub.emit({ type: 'overrun', lostSamples: 0 })
    }
    const samples = downmixInterleavedToMono(interleaved, this.options.channels)
    this.hub.emit({ type: 'chunk', chunk: { samples, sampleRateHz, firstSampleIndex: this.nextSampleIndex } })
    this.nextSampleIndex += samples.length
  }
}

export function audioSourceId(device: Pick<NativeInputDevice, 'hostApi' | 'name'>): string {
  // by name, not index: PortAudio indices change on every rescan
  return `audio:${device.hostApi}:${device.name}`
}
