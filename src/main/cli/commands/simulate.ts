/**
 * `ausculta simulate`: a stethoscope that speaks the Ausculta serial protocol
 * (docs/serial-protocol.md) on a serial port, streaming a WAV in real time. For demos, tests and
 * firmware authors (it is the device side of the protocol; the app is the host side).
 */
import { basename } from 'node:path'
import { InvalidArgumentError } from '../../../core/errors'
import { resample } from '../../../core/dsp/resample'
import { CommandLineSplitter, formatInfo, parseCommand, SerialCommandError } from '../../../core/serial/serial-commands'
import {
  encodeAudioFrame,
  encodeEndFrame,
  encodeTextFrame,
  MAX_PAYLOAD_BYTES,
  PROTOCOL_VERSION,
  bytesPerSample,
  type SampleFormatName,
} from '../../../core/serial/serial-frame'
import { openSerialLink, type SerialLink } from '../../devices/serial-port'
import { readWavMono } from '../../io/wav-file'
import { CliUsageError } from '../command'
import { defineCommand, flagOption, valueOption, type OptionValues } from '../define-command'
import { mulberry32 } from '../../../core/mulberry32'

const USAGE = `Usage: ausculta simulate --serial <path> --wav <file> [options]

Streams <file> over the serial port <path> as an Ausculta serial-protocol device, in real time.
Answers INFO, streams on START, stops on STOP (docs/serial-protocol.md).

Options:
  --serial <path>        serial port to speak on (e.g. one end of a socat pty pair)
  --wav <file>           recording to stream (mono mix of its channels)
  --rate <Hz>            resample the recording to this rate first
  --corrupt <p>          flip each byte of audio frames with probability p (0..1), e.g. 0.01;
                         text replies and end frames stay intact so losses stay countable
  --seed <n>             seed of the corruption (default 1): runs are reproducible
  --frame-samples <n>    samples per frame (default 128)
  --format <f>           s16le (default), s24le or f32le
  --baud <n>             baud rate (default 115200; ptys ignore it)
  --autostart            stream immediately, without waiting for START
  --loop                 start the recording again at its end (sample indices keep counting)
  --exit-at-end          exit after the recording has been sent once (and its end frame)
  --name <text>          name reported by INFO (default: the WAV's file name)

Prints "simulate: ... frames_sent=N frames_corrupted=M" on stderr when streaming ends.`

interface SimulateOptions {
  serialPath: string
  wavPath: string
  rateHz?: number
  corrupt: number
  seed: number
  frameSamples: number
  format: SampleFormatName
  baudRate: number
  autostart: boolean
  loop: boolean
  exitAtEnd: boolean
  name?: string
}

const SIMULATE_OPTIONS = {
  serial: valueOption(),
  wav: valueOption(),
  rate: valueOption(),
  corrupt: valueOption(),
  seed: valueOption(),
  'frame-samples': valueOption(),
  format: valueOption(),
  baud: valueOption(),
  name: valueOption(),
  autostart: flagOption(),
  loop: flagOption(),
  'exit-at-end': flagOption(),
}

function simulateOptionsOf(values: OptionValues<typeof SIMULATE_OPTIONS>): SimulateOptions {
  const number = (flag: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (raw === '' || !Number.isFinite(value)) throw new CliUsageError(`${flag} needs a number, got ${JSON.stringify(raw)}`)
    return value
  }
  const format = values.format ?? 's16le'
  if (format !== 's16le' && format !== 's24le' && format !== 'f32le')
    throw new CliUsageError(`--format must be s16le, s24le or f32le, got ${JSON.stringify(format)}`)
  const options: Partial<SimulateOptions> = {
    serialPath: values.serial,
    wavPath: values.wav,
    corrupt: number('--corrupt', values.corrupt, 0),
    seed: number('--seed', values.seed, 1),
    frameSamples: number('--frame-samples', values['frame-samples'], 128),
    format,
    baudRate: number('--baud', values.baud, 115200),
    autostart: values.autostart,
    loop: values.loop,
    exitAtEnd: values['exit-at-end'],
    ...(values.rate === undefined ? {} : { rateHz: number('--rate', values.rate, 0) }),
    ...(values.name === undefined ? {} : { name: values.name }),
  }
  if (!options.serialPath) throw new CliUsageError('--serial <path> is required')
  if (!options.wavPath) throw new CliUsageError('--wav <file> is required')
  if (!(options.corrupt! >= 0 && options.corrupt! <= 1)) throw new CliUsageError(`--corrupt must be within 0..1, got ${options.corrupt}`)
  if (options.rateHz !== undefined && !(Number.isInteger(options.rateHz) && options.rateHz >= 100 && options.rateHz <= 384000))
    throw new CliUsageError(`--rate must be an integer 100..384000 Hz, got ${options.rateHz}`)
  const maxFrame = Math.floor(MAX_PAYLOAD_BYTES / bytesPerSample(options.format!))
  if (!(Number.isInteger(options.frameSamples) && options.frameSamples! >= 1 && options.frameSamples! <= maxFrame))
    throw new CliUsageError(`--frame-samples must be an integer 1..${maxFrame} for ${options.format}, got ${options.frameSamples}`)
  return options as SimulateOptions
}

/** The device state machine, separate from the port so its pacing logic reads on its own. */
class SimulatedDevice {
  private streaming = false
  private sequence = 0
  private sentSamples = 0 // per START: index of the next sample on the wire
  private fileOffset = 0
  private startedAtMs = 0
  private timer: NodeJS.Timeout | undefined
  private writing = Promise.resolve()
  framesSent = 0
  framesCorrupted = 0
  private readonly random: () => number
  private finished: () => void = () => undefined
  readonly done = new Promise<void>((resolve) => (this.finished = resolve))

  constructor(
    private readonly link: SerialLink,
    private readonly samples: Float32Array,
    private readonly sampleRateHz: number,
    private readonly options: SimulateOptions,
  ) {
    this.random = mulberry32(options.seed)
  }

  onCommandLine(line: string): void {
    if (line.trim() === '') return
    let command
    try {
      command = parseCommand(line)
    } catch (error) {
      if (!(error instanceof SerialCommandError)) throw error
      this.send(encodeTextFrame(`ERR unknown command ${line.trim().slice(0, 40)}`))
      return
    }
    if (command === 'INFO') this.send(encodeTextFrame(this.info()))
    else if (command === 'START') {
      this.send(encodeTextFrame('OK START'))
      this.start()
    } else {
      this.stop()
      this.send(encodeTextFrame('OK STOP'))
    }
  }

  info(): string {
    return formatInfo({
      protocolVersion: PROTOCOL_VERSION,
      name: this.options.name ?? `Ausculta simulator (${basename(this.options.wavPath)})`,
      sampleRateHz: this.sampleRateHz,
      sampleFormat: this.options.format,
      channels: 1,
      extra: { frames_sent: String(this.framesSent), frames_corrupted: String(this.framesCorrupted), streaming: String(this.streaming) },
    })
  }

  start(): void {
    if (this.streaming) return
    this.streaming = true
    this.sequence = 0
    this.sentSamples = 0
    this.fileOffset = 0
    this.startedAtMs = performance.now()
    // 10 ms ticks: frames go out as soon as their last sample is "recorded" (real time)
    this.timer = setInterval(() => this.tick(), 10)
    this.tick()
  }

  stop(): void {
    if (!this.streaming) return
    this.streaming = false
    clearInterval(this.timer)
    this.send(encodeEndFrame(this.sequence, this.sentSamples))
    process.stderr.write(
      `simulate: stopped after ${this.sentSamples} samples frames_sent=${this.framesSent} frames_corrupted=${this.framesCorrupted}\n`,
    )
  }

  private tick(): void {
    const dueSamples = Math.floor(((performance.now() - this.startedAtMs) / 1000) * this.sampleRateHz)
    while (this.streaming && dueSamples - this.sentSamples >= Math.min(this.options.frameSamples, this.samples.length - this.fileOffset)) {
      if (this.fileOffset >= this.samples.length) {
        if (this.options.loop) {
          this.fileOffset = 0
          continue
        }
        this.stop()
        if (this.options.exitAtEnd) void this.writing.then(() => this.finished())
        return
      }
      const chunk = this.samples.subarray(this.fileOffset, this.fileOffset + this.options.frameSamples)
      const frame = encodeAudioFrame({
        sequence: this.sequence,
        sampleRateHz: this.sampleRateHz,
        firstSampleIndex: this.sentSamples,
        samples: chunk,
        sampleFormat: this.options.format,
      })
      this.sequence = (this.sequence + 1) & 0xffff
      this.sentSamples += chunk.length
      this.fileOffset += chunk.length
      this.framesSent += 1
      this.send(this.corrupt(frame))
    }
  }

  private corrupt(frame: Uint8Array): Uint8Array {
    if (this.options.corrupt <= 0) return frame
    let hit = false
    for (let i = 0; i < frame.length; i++) {
      if (this.random() < this.options.corrupt) {
        frame[i]! ^= 1 + Math.floor(this.random() * 255)
        hit = true
      }
    }
    if (hit) this.framesCorrupted += 1
    return frame
  }

  private send(bytes: Uint8Array): void {
    // serialise writes: the order of frames on the wire is the order they were made
    this.writing = this.writing
      .then(() => (this.link.isOpen ? this.link.write(bytes) : undefined))
      .catch((error: unknown) => {
        process.stderr.write(`simulate: write failed: ${error instanceof Error ? error.message : String(error)}\n`)
      })
  }

  shutdown(): void {
    clearInterval(this.timer)
    this.finished()
  }
}

export const command = defineCommand({
  summary: 'simulate a serial stethoscope streaming a WAV (for demos, tests and firmware authors)',
  usage: USAGE,
  options: SIMULATE_OPTIONS,
  async run(values) {
    const options = simulateOptionsOf(values)
    const wav = readWavMono(options.wavPath)
    let samples = wav.samples
    let sampleRateHz = wav.sampleRateHz
    if (options.rateHz !== undefined && options.rateHz !== sampleRateHz) {
      samples = resample(samples, sampleRateHz, options.rateHz)
      sampleRateHz = options.rateHz
    }
    if (!Number.isInteger(sampleRateHz)) throw new InvalidArgumentError(`${options.wavPath}: sample rate ${sampleRateHz} is not an integer`)
    const link = await openSerialLink(options.serialPath, options.baudRate)
    const device = new SimulatedDevice(link, samples, sampleRateHz, options)
    const splitter = new CommandLineSplitter()
    link.onData((bytes) => {
      for (const line of splitter.push(bytes)) device.onCommandLine(line)
    })
    let exitCode = 0
    link.onClose((error) => {
      if (error) {
        process.stderr.write(`simulate: ${error.message}\n`)
        exitCode = 1
      }
      device.shutdown()
    })
    const onSignal = (): void => {
      device.stop()
      device.shutdown()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    process.stderr.write(
      `simulate: ${options.serialPath}: ${basename(options.wavPath)}, ${samples.length} samples at ${sampleRateHz} Hz, ` +
        `${options.format}, ${options.frameSamples} ` +
        `samples/frame${options.corrupt > 0 ? `, corrupting ${options.corrupt * 100} % of audio bytes` : ''}; ` +
        `${options.autostart ? 'streaming' : 'waiting for START'}\n`,
    )
    if (options.autostart) device.start()
    await device.done
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    await link.close()
    return exitCode
  },
})
