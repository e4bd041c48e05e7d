/** A load started by an effect is applied only while that effect stands; its cleanup drops a late answer or error. */
import { describe, expect, it, vi } from 'vitest'
import { applyWhileCurrent } from '../../src/renderer/src/lib/while-current'

const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('applyWhileCurrent', () => {
  it('applies the value of a load still current', async () => {
    const onValue = vi.fn()
    applyWhileCurrent(Promise.resolve(42), onValue)
    await settled()
    expect(onValue).toHaveBeenCalledWith(42)
  })

  it('drops the value or error of a load cleaned up before it arrived', async () => {
    const onValue = vi.fn()
    const onError = vi.fn()
    applyWhileCurrent(Promise.resolve(1), onValue, onError)()
    applyWhileCurrent(Promise.reject(new Error('late')), onValue, onError)()
    await settled()
    expect(onValue).not.toHaveBeenCalled()
    expect(onError).not.toHaveBeenCalled()
  })

  it('reports an error while current, and ignores it when no handler is given', async () => {
    const onError = vi.fn()
    applyWhileCurrent(Promise.reject(new Error('gone')), vi.fn(), onError)
    applyWhileCurrent(Promise.reject(new Error('ignored')), vi.fn())
    await settled()
    expect(onError).toHaveBeenCalledWith(new Error('gone'))
  })
})
