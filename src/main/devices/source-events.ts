/** Listener bookkeeping shared by the PcmSource implementations. */
import type { SourceEvent, SourceListener, SourceStatus } from './source'

export class SourceEventHub {
  private readonly listeners = new Set<SourceListener>()
  status: SourceStatus = 'idle'

  on(listener: SourceListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Live devices cannot wait: a listener's returned promise is not awaited (no back-pressure),
   * and a throwing or rejecting listener must neither stop delivery to the others nor crash.
   */
  emit(event: SourceEvent): void {
    if (event.type === 'status') this.status = event.status
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(event)
        if (result) result.catch(reportListenerError)
      } catch (error) {
        reportListenerError(error)
      }
    }
  }

  setStatus(status: SourceStatus, detail?: string): void {
    this.emit(detail === undefined ? { type: 'status', status } : { type: 'status', status, detail })
  }
}

function reportListenerError(error: unknown): void {
  process.emitWarning(
    `source listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    'AuscultaSourceListenerWarning',
  )
}
