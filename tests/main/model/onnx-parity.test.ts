/**
 * onnxruntime-node on the shipped graph reproduces what PyTorch computed at export time
 * (tests/fixtures/model-parity.json, written by models/training/export.py) on three windows of
 * samples/ and two text queries.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EncoderModel } from '../../../src/main/model/encoder-model'
import { TextEncoderModel } from '../../../src/main/model/text-query'
import { readWavMono } from '../../../src/main/io/wav-file'

interface ParityFixture {
  encoder: string
  text: string
  windows: Array<{
    file: string
    startSample: number
    pcmBase64: string
    hr_probs: number[]
    layer_probs: number[][]
    embedding: number[]
    seg_probs: number[][]
    no_hr_prob: number
  }>
  textQueries: Array<{ text: string; tokens: number[]; embedding: number[] }>
}

const MODELS = join(__dirname, '../../../models')
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/model-parity.json'), 'utf8')) as ParityFixture

function decodeFloat32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64')
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

/** 1e-4 relative (issue 3), with an absolute floor for values near zero where relative error is meaningless. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number
    const a = actual[i] as number
    const error = Math.abs(a - e) / Math.max(Math.abs(e), 1e-3)
    worst = Math.max(worst, error)
  }
  expect(worst, `${what}: worst relative error`).toBeLessThanOrEqual(1e-4)
}

describe('ONNX parity with PyTorch', () => {
  it('the fixture windows are the samples/ recordings the fixture names', () => {
    for (const window of fixture.windows) {
      const { samples } = readWavMono(join(__dirname, '../../..', window.file))
      const pcm = decodeFloat32(window.pcmBase64)
      expect(Array.from(pcm.subarray(0, 50))).toEqual(Array.from(samples.subarray(window.startSample, window.startSample + 50)))
    }
  })

  it('reproduces hr_probs, layer_probs, the embedding, seg_probs and no_hr_prob within 1e-4 relative', async () => {
    const model = await EncoderModel.load(join(MODELS, fixture.encoder))
    try {
      for (const window of fixture.windows) {
        const outputs = await model.run([decodeFloat32(window.pcmBase64)])
        expectClose(outputs.productionProbs, window.hr_probs, `${window.file}@${window.startSample} hr_probs`)
        expectClose(outputs.layerProbs, window.layer_probs.flat(), `${window.file}@${window.startSample} layer_probs`)
        expectClose(outputs.embeddings[0] as Float32Array, window.embedding, `${window.file}@${window.startSample} embedding`)
        expect(outputs.segmentation, 'the shipped model has a segmentation head').not.toBeNull()
        expectClose(outputs.segmentation![0] as Float32Array, window.seg_probs.flat(), `${window.file}@${window.startSample} seg_probs`)
        expect(outputs.noHrProbs, 'the shipped model has a no-HR head').not.toBeNull()
        expectClose(outputs.noHrProbs as Float32Array, [window.no_hr_prob], `${window.file}@${window.startSample} no_hr_prob`)
      }
    } finally {
      await model.release()
    }
  })

  it('tokenizes and embeds text queries as PyTorch did', async () => {
    const text = await TextEncoderModel.load(join(MODELS, fixture.text), join(MODELS, fixture.text.replace(/\.onnx$/, '.tokenizer.json')))
    try {
      for (const query of fixture.textQueries) {
        expect(Array.from(text.tokenizer.encode(query.text), Number)).toEqual(query.tokens)
        const [embedding] = await text.embed([query.text])
        expectClose(embedding as Float32Array, query.embedding, `text '${query.text}'`)
      }
    } finally {
      await text.release()
    }
  })
})
