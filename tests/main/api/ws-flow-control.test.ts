/**
 * Per-connection flow control on a fake socket and fake timers: how many requests run at once,
 * when reading pauses and resumes, and which clients are dropped with 1008 (not reading, or
 * flooding) and which are kept (slow but reading).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConnectionFlow, DEFAULT_FLOW_LIMITS, type FlowLimits, type FlowSocket } from '../../../src/main/api/ws-flow-control'

const LIMITS: FlowLimits = {
  ...DEFAULT_FLOW_LIMITS,
  maxConcurrentRequests: 2,
  maxQueuedRequests: 8,
  maxQueuedRequestBytes: 1000,
  pauseBytes: 10_000,
  stallMs: 1000,
  pollMs: 100,
  closeGraceMs: 2000,
}

class FakeSocket implements FlowSocket {
  bufferedAmount = 0
  paused = false
  closedWith: number | null = null
  terminated = false
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
  }
  close(code: number): void {
    this.closedWith = code
  }
  terminate(): void {
    this.terminated = true
  }
}

/** A request handler whose replies the test releases one by one. */
function controlledHandler(): { handle: (request: Buffer) => Promise<void>; started: string[]; finish: () => Promise<void> } {
  const started: string[] = []
  const pending: Array<() => void> = []
  return {
    started,
    handle: (request) => {
      started.push(request.toString())
      return new Promise<void>((resolve) => pending.push(resolve))
    },
    finish: async () => {
      pending.shift()?.()
      await settle()
    },
  }
}

const request = (text: string): Buffer => Buffer.from(text)

/** Lets every due macrotask run, including those the previous ones scheduled (one request starts per macrotask). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(1)
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ConnectionFlow', () => {
  it('runs at most maxConcurrentRequests at once, in arrival order, and pauses reading while requests wait', async () => {
    const socket = new FakeSocket()
    const handler = controlledHandler()
    const flow = new ConnectionFlow(socket, handler.handle, LIMITS)
    for (const text of ['a', 'b', 'c', 'd', 'e']) flow.accept(request(text))
    // Nothing starts in the frame's own tick: each request gets a macrotask of its own.
    expect(handler.started).toEqual([])
    expect(socket.paused).toBe(true)
    await settle()
    expect(handler.started).toEqual(['a', 'b'])
    await handler.finish()
    expect(handler.started).toEqual(['a', 'b', 'c'])
    await handler.finish()
    await handler.finish()
    await handler.finish()
    await handler.finish()
    expect(handler.started).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(socket.paused).toBe(false)
    expect(flow.queuedBytes).toBe(0)
    expect(socket.closedWith).toBeNull()
  })

  it('drops a client that stops reading (1008 after stallMs, cut off after closeGraceMs) and starts nothing for it meanwhile', async () => {
    const socket = new FakeSocket()
    const handler = controlledHandler()
    const flow = new ConnectionFlow(socket, handler.handle, LIMITS)
    flow.accept(request('big'))
    await settle()
    socket.bufferedAmount = 50_000 // the reply went out and nobody reads it
    await handler.finish()
    expect(socket.paused).toBe(true)
    flow.accept(request('next'))
    await vi.advanceTimersByTimeAsync(LIMITS.stallMs - 200)
    expect(handler.started).toEqual(['big'])
    expect(socket.closedWith).toBeNull()
    await vi.advanceTimersByTimeAsync(300)
    expect(socket.closedWith).toBe(1008)
    expect(flow.dropped).toBe('stalled')
    expect(handler.started).toEqual(['big'])
    expect(socket.terminated).toBe(false)
    await vi.advanceTimersByTimeAsync(LIMITS.closeGraceMs)
    expect(socket.terminated).toBe(true)
  })

  it('keeps a slow client that is reading (a big reply over a slow link), then resumes it', async () => {
    const socket = new FakeSocket()
    const handler = controlledHandler()
    const flow = new ConnectionFlow(socket, handler.handle, LIMITS)
    flow.accept(request('audio'))
    await settle()
    socket.bufferedAmount = 200_000 // 20× the pause limit, as sessions:audio can be
    await handler.finish()
    flow.accept(request('later'))
    for (let t = 0; t < 5 * LIMITS.stallMs && socket.bufferedAmount > 0; t += 100) {
      socket.bufferedAmount = Math.max(0, socket.bufferedAmount - 4000)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(socket.closedWith).toBeNull()
    expect(socket.paused).toBe(false)
    expect(handler.started).toEqual(['audio', 'later'])
  })

  it('drops a client whose output grows even though it reads a little (no new low for stallMs)', async () => {
    const socket = new FakeSocket()
    const flow = new ConnectionFlow(socket, async () => undefined, LIMITS)
    socket.bufferedAmount = 20_000
    flow.afterSend()
    for (let t = 0; t < 2 * LIMITS.stallMs && socket.closedWith === null; t += 100) {
      socket.bufferedAmount += 50 // events arrive faster than it reads
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(socket.closedWith).toBe(1008)
  })

  it('drops a client that queues more requests than allowed, by count or by bytes', async () => {
    const byCount = new FakeSocket()
    const flowA = new ConnectionFlow(byCount, () => new Promise<void>(() => undefined), LIMITS)
    for (let i = 0; i < LIMITS.maxQueuedRequests + 1; i++) flowA.accept(request(`r${i}`))
    expect(byCount.closedWith).toBe(1008)
    expect(flowA.dropped).toBe('flooded')

    const byBytes = new FakeSocket()
    const flowB = new ConnectionFlow(byBytes, () => new Promise<void>(() => undefined), LIMITS)
    flowB.accept(Buffer.alloc(LIMITS.maxQueuedRequestBytes + 1))
    expect(byBytes.closedWith).toBe(1008)
  })

  it('does nothing more once the connection is disposed', async () => {
    const socket = new FakeSocket()
    const handler = controlledHandler()
    const flow = new ConnectionFlow(socket, handler.handle, LIMITS)
    socket.bufferedAmount = 50_000
    flow.afterSend()
    flow.accept(request('x'))
    flow.dispose()
    await vi.advanceTimersByTimeAsync(10 * LIMITS.stallMs)
    expect(handler.started).toEqual([])
    expect(socket.closedWith).toBeNull()
    expect(vi.getTimerCount()).toBe(0)
  })
})
