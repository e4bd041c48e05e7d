import { describe, expect, it } from 'vitest'
import { ListenerSet } from '../../src/main/listener-set'

describe('ListenerSet', () => {
  it('delivers to every listener in order, and unsubscribing (even from inside a listener) stops delivery', () => {
    const set = new ListenerSet<[number]>('test')
    const seen: string[] = []
    const offA = set.add((n) => seen.push(`a${n}`))
    const offB = set.add((n) => {
      seen.push(`b${n}`)
      offB()
    })
    set.emit(1)
    set.emit(2)
    offA()
    set.emit(3)
    expect(seen).toEqual(['a1', 'b1', 'a2'])
    expect(set.size).toBe(0)
  })

  it('a throwing or rejecting listener is reported and the others still get the event', async () => {
    const failures: unknown[] = []
    const set = new ListenerSet<[string]>('test', (error) => failures.push(error))
    const seen: string[] = []
    set.add(() => {
      throw new Error('sync')
    })
    set.add(() => Promise.reject(new Error('async')))
    set.add((s) => seen.push(s))
    set.emit('x')
    expect(seen).toEqual(['x'])
    await expect.poll(() => failures.map((e) => (e as Error).message)).toEqual(['sync', 'async'])
  })

  it('without a handler a failing listener becomes a process warning naming the emitter', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message)
    }
    process.on('warning', onWarning)
    try {
      const set = new ListenerSet<[]>('device registry')
      set.add(() => {
        throw new Error('boom')
      })
      set.emit()
      await expect.poll(() => warnings.some((w) => w.startsWith('device registry listener failed: Error: boom'))).toBe(true)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('emitAndWait waits for slow listeners and rejects when one fails', async () => {
    const set = new ListenerSet<[number]>('test')
    let done = 0
    set.add(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve))
      done++
    })
    await set.emitAndWait(1)
    expect(done).toBe(1)
    set.add(() => Promise.reject(new Error('slow consumer died')))
    await expect(set.emitAndWait(2)).rejects.toThrow('slow consumer died')
  })
})
