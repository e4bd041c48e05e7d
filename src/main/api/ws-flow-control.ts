/**
 * Per-connection flow control for the browser-mode API: what one WebSocket client may make the
 * server hold. Without it, a client that sends requests and never reads the replies grows the
 * server's memory without bound (issue 20: 500 requests of 900 kB took it to 1.16 GB), and a
 * burst of heavy requests handled back to back starves the live monitor of the event loop.
 *
 * The rules, per connection:
 *  - Requests are queued and handled at most `maxConcurrentRequests` at a time, each started in a
 *    macrotask of its own, so timers and I/O (the live stream, the recorder) run between them.
 *  - The bytes queued for a client are ws's `bufferedAmount` (sent but not yet taken by the
 *    kernel) plus the requests received and not yet answered. Above `pauseBytes`, or with a full
 *    request queue, the server stops reading the client's socket (TCP backpressure: its further
 *    requests wait in its own buffers) and starts no queued request.
 *  - A client whose queued bytes stay above `pauseBytes` without reaching a new low for `stallMs`
 *    is not reading: it is closed with 1008 and cut off `closeGraceMs` later if it does not
 *    answer the close (it cannot, if it does not read). A slow but reading client (a big reply
 *    over a slow network) keeps making progress and is kept.
 *  - More than `maxQueuedRequests` requests or `maxQueuedRequestBytes` of them waiting (possible
 *    only through what was already read when the socket was paused) is a flood: closed with 1008.
 * Replies are never dropped or cut: one a client asked for may exceed `pauseBytes` by itself.
 */

/** The part of a `ws` WebSocket that flow control drives (an interface so unit tests can fake it). */
export interface FlowSocket {
  readonly bufferedAmount: number
  pause(): void
  resume(): void
  close(code: number, reason: string): void
  terminate(): void
}

export interface FlowLimits {
  /** Requests handled at once per connection (the renderer issues at most 4 together). */
  maxConcurrentRequests: number
  /** Requests waiting beyond which the client is closed with 1008. */
  maxQueuedRequests: number
  /** Bytes of requests waiting beyond which the client is closed with 1008. */
  maxQueuedRequestBytes: number
  /** Queued bytes above which the server stops reading the client and starting its requests. */
  pauseBytes: number
  /** How long queued bytes may stay above `pauseBytes` without a new low before the client is dropped. */
  stallMs: number
  /** How often a paused connection is looked at. */
  pollMs: number
  /** How long a dropped client gets to answer the close before its socket is destroyed. */
  closeGraceMs: number
}

export const DEFAULT_FLOW_LIMITS: Readonly<FlowLimits> = {
  maxConcurrentRequests: 4,
  maxQueuedRequests: 256,
  maxQueuedRequestBytes: 8 * 1024 * 1024,
  pauseBytes: 4 * 1024 * 1024,
  stallMs: 5000,
  pollMs: 100,
  closeGraceMs: 10_000,
}

/** RFC 6455 7.4.1: 1008, "a message that violates its policy". */
export const POLICY_VIOLATION = 1008

export type DropReason = 'stalled' | 'flooded'

/** Request frames not yet started, with their total size. */
class WaitingRequests {
  private readonly frames: Buffer[] = []
  bytes = 0

  get count(): number {
    return this.frames.length
  }

  push(frame: Buffer): void {
    this.frames.push(frame)
    this.bytes += frame.length
  }

  shift(): Buffer | undefined {
    const frame = this.frames.shift()
    if (frame) this.bytes -= frame.length
    return frame
  }

  clear(): void {
    this.frames.length = 0
    this.bytes = 0
  }
}

export class ConnectionFlow {
  private readonly waiting = new WaitingRequests()
  /** Bytes of requests received and not yet answered (queued or being handled). */
  private requestBytes = 0
  private inFlight = 0
  private paused = false
  private dispatchScheduled = false
  /** Set once: the connection closed, or this side dropped the client (and why). */
  private ended: 'closed' | DropReason | null = null
  private watch: { timer: NodeJS.Timeout; lowest: number; lowestAt: number } | null = null
  private graceTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly socket: FlowSocket,
    /** Handles one request frame and sends its reply; must not reject. */
    private readonly handle: (request: Buffer) => Promise<void>,
    private readonly limits: FlowLimits = DEFAULT_FLOW_LIMITS,
  ) {}

  /** Bytes held for this client: unsent output plus unanswered requests. */
  get queuedBytes(): number {
    return this.socket.bufferedAmount + this.requestBytes
  }

  /** Why the client was dropped, or null. */
  get dropped(): DropReason | null {
    return this.ended === 'closed' ? null : this.ended
  }

  /** A request frame arrived. */
  accept(request: Buffer): void {
    if (this.ended) return
    this.waiting.push(request)
    this.requestBytes += request.length
    if (this.waiting.count > this.limits.maxQueuedRequests || this.waiting.bytes > this.limits.maxQueuedRequestBytes) {
      this.drop('flooded')
      return
    }
    this.update()
    this.scheduleDispatch()
  }

  /** Call after anything was sent to the client: its queue may have crossed the limit. */
  afterSend(): void {
    if (!this.ended) this.update()
  }

  /** The connection closed or failed: stop timers, forget the queue, leave the socket alone. */
  dispose(): void {
    this.ended ??= 'closed'
    this.waiting.clear()
    this.stopWatching()
    if (this.graceTimer) clearTimeout(this.graceTimer)
  }

  private overLimit(): boolean {
    return this.queuedBytes > this.limits.pauseBytes
  }

  /** Pauses or resumes reading, and watches a connection that is over the limit. */
  private update(): void {
    const over = this.overLimit()
    const shouldPause = over || this.waiting.count >= this.limits.maxConcurrentRequests
    if (shouldPause !== this.paused) {
      this.paused = shouldPause
      if (shouldPause) this.socket.pause()
      else this.socket.resume()
    }
    if (over && !this.watch) {
      const timer = setInterval(() => this.poll(), this.limits.pollMs)
      timer.unref()
      this.watch = { timer, lowest: this.queuedBytes, lowestAt: Date.now() }
    } else if (!over && this.watch) {
      this.stopWatching()
      this.scheduleDispatch()
    }
  }

  private poll(): void {
    const watch = this.watch
    if (!watch) return
    const queued = this.queuedBytes
    if (queued <= this.limits.pauseBytes) {
      this.update()
      return
    }
    if (queued < watch.lowest) {
      watch.lowest = queued
      watch.lowestAt = Date.now()
    } else if (Date.now() - watch.lowestAt >= this.limits.stallMs) {
      this.drop('stalled')
    }
  }

  private stopWatching(): void {
    if (this.watch) clearInterval(this.watch.timer)
    this.watch = null
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled || this.waiting.count === 0) return
    this.dispatchScheduled = true
    setImmediate(() => {
      this.dispatchScheduled = false
      this.dispatchOne()
    })
  }

  /** Starts the next queued request, one per macrotask, while the client is within its limits. */
  private dispatchOne(): void {
    if (this.ended || this.inFlight >= this.limits.maxConcurrentRequests || this.overLimit()) return
    const request = this.waiting.shift()
    if (!request) return
    this.inFlight++
    const done = (): void => {
      this.inFlight--
      this.requestBytes -= request.length
      if (this.ended) return
      this.update()
      this.scheduleDispatch()
    }
    // `handle` must not reject; if it does anyway, the slot is still freed and nothing goes unhandled.
    this.handle(request).then(done, done)
    this.update()
    this.scheduleDispatch()
  }

  private drop(reason: DropReason): void {
    this.ended = reason
    this.waiting.clear()
    this.stopWatching()
    // Reading again lets the client's answer to the close arrive; its requests are ignored now.
    if (this.paused) this.socket.resume()
    this.paused = false
    this.socket.close(POLICY_VIOLATION, reason === 'stalled' ? 'too much unread data: client not reading' : 'too many requests queued')
    this.graceTimer = setTimeout(() => this.socket.terminate(), this.limits.closeGraceMs)
    this.graceTimer.unref()
  }
}
