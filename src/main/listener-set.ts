/**
 * The one typed event emitter of the main process: a set of listeners for one kind of event.
 * Subscribing returns the unsubscribe; emitting calls a snapshot of the set (a listener may
 * unsubscribe itself), and a listener that throws or rejects is reported, never stopping delivery
 * to the others: live devices and the monitor cannot wait for, or die of, one broken consumer.
 */
export type Listener<A extends unknown[]> = (...args: A) => unknown

export class ListenerSet<A extends unknown[]> {
  private readonly listeners = new Set<Listener<A>>()

  /** `onListenerError` defaults to a process warning naming `what` (e.g. 'device registry'). */
  constructor(
    private readonly what: string,
    private readonly onListenerError: (error: unknown) => void = (error) => warnListenerFailed(what, error),
  ) {}

  get size(): number {
    return this.listeners.size
  }

  add(listener: Listener<A>): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Calls every listener; a returned promise is not awaited (no back-pressure) but its rejection is reported. */
  emit(...args: A): void {
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(...args)
        if (result instanceof Promise) result.catch(this.onListenerError)
      } catch (error) {
        this.onListenerError(error)
      }
    }
  }

  /**
   * Calls every listener and waits for the promises they return: a consumer that takes its time
   * sets the pace (the demo source). A throwing or rejecting listener rejects the whole call.
   */
  async emitAndWait(...args: A): Promise<void> {
    const pending: unknown[] = []
    for (const listener of [...this.listeners]) pending.push(listener(...args))
    await Promise.all(pending)
  }

  clear(): void {
    this.listeners.clear()
  }
}

function warnListenerFailed(what: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.emitWarning(`${what} listener failed: ${detail}`, 'AuscultaListenerWarning')
}
