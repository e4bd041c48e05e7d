/** Thin promise adapter over `serialport` (USB CDC, USB-UART bridges, Bluetooth SPP, ptys). */
import { SerialPort } from 'serialport'
import { AuscultaError } from '../../core/errors'

export class SerialPortError extends AuscultaError {}
/** The port went away while open (unplugged, Bluetooth link lost, pty closed). */
export class SerialDeviceLostError extends SerialPortError {}

export interface SerialLink {
  readonly path: string
  write(bytes: Uint8Array): Promise<void>
  /** bytes as they arrive */
  onData(listener: (bytes: Uint8Array) => void): void
  /** called once when the port closes; `error` set when it was not us who closed it */
  onClose(listener: (error?: Error) => void): void
  close(): Promise<void>
  readonly isOpen: boolean
}

export async function openSerialLink(path: string, baudRate: number): Promise<SerialLink> {
  const port = new SerialPort({ path, baudRate, autoOpen: false })
  await new Promise<void>((resolve, reject) =>
    port.open((error) =>
      error
        ? reject(new SerialPortError(`serial port ${path}: cannot open at ${baudRate} baud: ${error.message}`, { cause: error }))
        : resolve(),
    ),
  )
  let closing = false
  let closeError: Error | undefined
  const closeListeners: Array<(error?: Error) => void> = []
  // an 'error' without a listener would throw from the event emitter: collect it instead
  port.on('error', (error: Error) => {
    closeError ??= error
  })
  port.on('close', (error?: Error & { disconnected?: boolean }) => {
    const lost = closing
      ? undefined
      : new SerialDeviceLostError(
          `serial port ${path}: device lost (${error?.message ?? closeError?.message ?? 'closed by the other side'})`,
          { cause: error ?? closeError },
        )
    for (const listener of closeListeners) listener(lost)
  })
  return {
    path,
    get isOpen() {
      return port.isOpen
    },
    write(bytes) {
      return new Promise((resolve, reject) => {
        if (!port.isOpen) return reject(new SerialPortError(`serial port ${path}: write on a closed port`))
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) =>
          error ? reject(new SerialPortError(`serial port ${path}: write failed: ${error.message}`, { cause: error })) : undefined,
        )
        // resolve once the OS has taken the bytes, so writers pace themselves (pty/USB back-pressure)
        port.drain((error) =>
          error ? reject(new SerialPortError(`serial port ${path}: drain failed: ${error.message}`, { cause: error })) : resolve(),
        )
      })
    },
    onData(listener) {
      port.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
    },
    onClose(listener) {
      closeListeners.push(listener)
    },
    close() {
      if (!port.isOpen) return Promise.resolve()
      closing = true
      return new Promise((resolve) => port.close(() => resolve()))
    },
  }
}
