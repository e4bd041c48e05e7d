import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { planProviders } from '../../../src/main/model/execution-providers'
import { EncoderModel } from '../../../src/main/model/encoder-model'

describe('execution providers', () => {
  it('an explicit choice is tried first with CPU as fallback', () => {
    expect(planProviders('cpu').candidates).toEqual(['cpu'])
    expect(planProviders('cuda').candidates).toEqual(['cuda', 'cpu'])
  })

  it('auto skips CUDA with a reason when its provider library is not installed (as on this CPU-only machine)', () => {
    // .npmrc sets onnxruntime-node-install=skip, so the CUDA provider library is never downloaded here.
    const plan = planProviders('auto', 'linux')
    expect(plan.candidates).toEqual(['cpu'])
    expect(plan.skipped[0]?.provider).toBe('cuda')
    expect(plan.skipped[0]?.reason).toMatch(/not installed/)
  })

  it('a model loaded with auto runs on CPU and reports why the accelerator was not used', async () => {
    const model = await EncoderModel.load(join(__dirname, '../../../models/ausculta-encoder.onnx'), { executionProvider: 'auto' })
    try {
      expect(model.provider).toBe('cpu')
      expect(model.providerAttempts.find((attempt) => attempt.provider === 'cuda')?.ok).toBe(false)
    } finally {
      await model.release()
    }
  })
})
