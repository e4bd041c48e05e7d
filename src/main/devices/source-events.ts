/** Listener and status bookkeeping shared by the live device sources. */
import { ListenerSet } from '../listener-set'
import type { PcmSource, SourceEvent, SourceListener, SourceStatus } from './source'

export class SourceEventHub {
  private readonly listeners = new ListenerSet<[SourceEvent]>('source')
  status: SourceStatus = 'idle'

  on(listener: SourceListener): () => void {
    return this.listeners.add(listener)
  }

  /**
   * Live devices cannot wait: a listener's returned promise is not awaited (no back-pressure),
   * and a throwing or rejecting listener must neither stop delivery to the others nor crash.
   */
  emit(event: SourceEvent): void {
    if (event.type === 'status') this.status = event.status
    this.listeners.emit(event)
  }

  setStatus(status: SourceStatus, detail?: string): void {
    this.emit(detail === undefined ? { type: 'status', status } : { type: 'status', status, detail })
  }

  /** The source failed: listeners hear the error, then the status ('lost': the device went away). */
  fail(error: Error, status: 'lost' | 'error'): void {
    this.emit({ type: 'error', error })
    this.setStatus(status, error.message)
  }
}

/** A device source: status and listeners through one hub; the subclass opens and closes the device. */
export abstract class HubSource implements PcmSource {
  abstract readonly kind: PcmSource['kind']
  abstract readonly id: string
  abstract readonly label: string
  protected readonly hub = new SourceEventHub()

  get status(): SourceStatus {
    return this.hub.status
  }

  on(listener: SourceListener): () => void {
    return this.hub.on(listener)
  }

  abstract start(): Promise<void>
  abstract stop(): Promise<void>
}
