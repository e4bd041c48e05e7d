/**
 * The simplest DIY device: raw little-endian int16 mono at a rate the user states, no commands,
 * no framing (docs/serial-protocol.md, last section). Streams from the moment the port opens.
 */
import { InvalidArgumentError } from '../../core/errors'
import { RawInt16Decoder } from '../../core/serial/raw-pcm'
import { HubSource } from './source-events'
import { SerialPortError, openSerialLink, type SerialLink } from './serial-port'

export interface RawSerialSourceOptions {
  path: string
  sampleRateHz: number
  baudRate?: number
  label?: string
}

export class RawSerialSource extends HubSource {
  readonly kind = 'raw-serial' as const
  readonly id: string
  readonly label: string
  private link: SerialLink | undefined

  constructor(private readonly options: RawSerialSourceOptions) {
    super()
    if (!options.path) throw new InvalidArgumentError('raw serial source: path is empty')
    if (!Number.isFinite(options.sampleRateHz) || options.sampleRateHz < 100)
      throw new InvalidArgumentError(`raw serial source ${options.path}: sampleRateHz ${options.sampleRateHz} must be >= 100`)
    this.id = `raw-serial:${options.path}`
    this.label = options.label ?? `Raw int16 serial ${options.path} @ ${options.sampleRateHz} Hz`
  }

  async start(): Promise<void> {
    if (this.link) return
    this.hub.setStatus('connecting', this.options.path)
    const decoder = new RawInt16Decoder()
    let link: SerialLink
    try {
      link = await openSerialLink(this.options.path, this.options.baudRate ?? 115200)
    } catch (error) {
      const failure = error instanceof SerialPortError ? error : new SerialPortError(String(error))
      this.hub.setStatus('error', failure.message)
      throw failure
    }
    this.link = link
    link.onData((bytes) => {
      const firstSampleIndex = decoder.sampleIndex
      const samples = decoder.push(bytes)
      if (samples.length > 0)
        this.hub.emit({ type: 'chunk', chunk: { samples, sampleRateHz: this.options.sampleRateHz, firstSampleIndex } })
    })
    link.onClose((error) => {
      if (this.link !== link) return
      this.link = undefined
      if (error) {
        this.hub.fail(error, 'lost')
      }
    })
    this.hub.setStatus('streaming')
  }

  async stop(): Promise<void> {
    const link = this.link
    if (!link) return
    this.link = undefined
    await link.close()
    this.hub.setStatus('stopped')
  }
}
