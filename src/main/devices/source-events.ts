/** Listener bookkeeping shared by the PcmSource implementations. */
import { ListenerSet } from '../listener-set'
import type { SourceEvent, SourceListener, SourceStatus } from './source'

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
}
