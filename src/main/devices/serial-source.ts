/**
 * A stethoscope speaking the Ausculta serial protocol (docs/serial-protocol.md) as a PcmSource:
 * START/STOP/INFO commands, frames decoded by SerialDecoder, lost frames delivered as marked
 * silence (chunk.gaps) so that sample indices always equal device time.
 */
import { InvalidArgumentError } from '../../core/errors'
import { SerialDecoder, type DecodedFrame, type SerialDecoderStats } from '../../core/serial/serial-decoder'
import { encodeCommand, parseInfo, type DeviceInfo } from '../../core/serial/serial-commands'
import { downmixInterleavedToMono } from '../../core/dsp/downmix'
import { HubSource } from './source-events'
import { SerialPortError, openSerialLink, type SerialLink } from './serial-port'

export interface SerialSourceOptions {
  path: string
  baudRate?: number
  label?: string
  /** how long stop() waits for the device's end frame before closing anyway */
  stopTimeoutMs?: number
  /** how long info() waits for its reply, and start() for "OK START" or the first audio frame */
  replyTimeoutMs?: number
}

export class SerialSource extends HubSource {
  readonly kind = 'serial' as const
  readonly id: string
  readonly label: string
  private link: SerialLink | undefined
  private decoder = new SerialDecoder()
  /** reply waiters: return true when the text was theirs (they are then removed) */
  private textWaiters: Array<(text: string) => boolean> = []
  private endWaiter: (() => void) | undefined
  private streaming = false
  private audioWaiter: (() => void) | undefined
  private readonly options: Required<SerialSourceOptions>

  constructor(options: SerialSourceOptions) {
    super()
    if (!options.path) throw new InvalidArgumentError('serial source: path is empty')
    this.options = {
      path: options.path,
      baudRate: options.baudRate ?? 115200,
      label: options.label ?? `Serial stethoscope ${options.path}`,
      stopTimeoutMs: options.stopTimeoutMs ?? 1000,
      replyTimeoutMs: options.replyTimeoutMs ?? 2000,
    }
    this.id = serialSourceId(options.path)
    this.label = this.options.label
  }

  /** decoder counters: frames ok / corrupt / lost, bytes skipped, gap samples filled */
  get stats(): Readonly<SerialDecoderStats> {
    return this.decoder.stats
  }

  async start(): Promise<void> {
    if (this.streaming) return
    this.hub.setStatus('connecting', this.options.path)
    this.decoder = new SerialDecoder()
    let link: SerialLink | undefined = this.link
    try {
      link ??= await this.open()
      const answered = this.firstAnswer()
      await link.write(encodeCommand('START'))
      await answered
    } catch (error) {
      const failure =
        error instanceof SerialPortError
          ? error
          : new SerialPortError(`serial source ${this.options.path}: ${String(error)}`, { cause: error })
      this.link = undefined
      await link?.close()
      this.hub.setStatus('error', failure.message)
      throw failure
    }
    this.streaming = true
    this.hub.setStatus('streaming')
  }

  async stop(): Promise<void> {
    const link = this.link
    this.streaming = false
    if (!link) return
    if (link.isOpen) {
      const ended = new Promise<void>((resolve) => {
        this.endWaiter = resolve
        setTimeout(resolve, this.options.stopTimeoutMs)
      })
      await link.write(encodeCommand('STOP')).catch(() => undefined)
      await ended
    }
    this.link = undefined
    await link.close()
    this.hub.setStatus('stopped')
  }

  /** Resolves on "OK START" or any audio frame; a silent port is not an Ausculta-protocol device. */
  private firstAnswer(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.audioWaiter = undefined
        reject(
          new SerialPortError(
            `serial source ${this.options.path}: no answer to START within ${this.options.replyTimeoutMs} ms — not an Ausculta ` +
              `serial-protocol device? (devices sending bare int16 samples are 'raw serial' sources; see docs/serial-protocol.md)`,
          ),
        )
      }, this.options.replyTimeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.audioWaiter = undefined
        resolve()
      }
      this.audioWaiter = done
      this.textWaiters.push((text) => {
        if (!text.startsWith('OK START')) return false
        done()
        return true
      })
    })
  }

  /** Asks the device to describe itself (opens the port if needed; does not start streaming). */
  async info(): Promise<DeviceInfo> {
    const link = this.link ?? (await this.open())
    const reply = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SerialPortError(`serial source ${this.options.path}: no INFO reply within ${this.options.replyTimeoutMs} ms`)),
        this.options.replyTimeoutMs,
      )
      this.textWaiters.push((text) => {
        if (!text.startsWith('INFO ')) return false
        clearTimeout(timer)
        resolve(text)
        return true
      })
    })
    await link.write(encodeCommand('INFO'))
    return parseInfo(await reply)
  }

  private async open(): Promise<SerialLink> {
    const link = await openSerialLink(this.options.path, this.options.baudRate)
    this.link = link
    link.onData((bytes) => this.onFrames(this.decoder.push(bytes)))
    link.onClose((error) => {
      if (this.link !== link) return
      this.link = undefined
      this.streaming = false
      if (error) {
        this.hub.fail(error, 'lost')
      } else {
        this.hub.setStatus('stopped')
      }
    })
    return link
  }

  private onFrames(frames: DecodedFrame[]): void {
    for (const frame of frames) {
      if (frame.type === 'audio') {
        this.audioWaiter?.()
        const samples = downmixInterleavedToMono(frame.samples, frame.channels)
        this.hub.emit({ type: 'chunk', chunk: { samples, sampleRateHz: frame.sampleRateHz, firstSampleIndex: frame.streamSampleIndex } })
      } else if (frame.type === 'gap') {
        this.hub.emit({
          type: 'chunk',
          chunk: {
            samples: new Float32Array(frame.sampleCount),
            sampleRateHz: frame.sampleRateHz,
            firstSampleIndex: frame.streamSampleIndex,
            gaps: [[0, frame.sampleCount]],
          },
        })
      } else if (frame.type === 'end') {
        this.endWaiter?.()
        this.endWaiter = undefined
        this.hub.emit({ type: 'end' })
      } else {
        this.textWaiters = this.textWaiters.filter((waiter) => !waiter(frame.text))
        if (frame.text.startsWith('ERR'))
          this.hub.emit({ type: 'error', error: new SerialPortError(`serial source ${this.options.path}: device says ${frame.text}`) })
      }
    }
  }
}

export function serialSourceId(path: string): string {
  return `serial:${path}`
}
