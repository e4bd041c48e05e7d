/**
 * Free-text queries against a recording's audio embedding, through the exported CLAP text encoder
 * (onnxruntime-node) and the tokenizer JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readWavMono } from '../../../src/main/io/wav-file'
import { EncoderModel } from '../../../src/main/model/encoder-model'
import { TextEncoderModel } from '../../../src/main/model/text-query'
import { InvalidArgumentError } from '../../../src/core/errors'

const MODELS = join(__dirname, '../../../models')
let encoder: EncoderModel
let text: TextEncoderModel

beforeAll(async () => {
  encoder = await EncoderModel.load(join(MODELS, 'ausculta-encoder.onnx'))
  text = await TextEncoderModel.load(join(MODELS, 'ausculta-text.onnx'), join(MODELS, 'ausculta-text.tokenizer.json'))
})
afterAll(async () => {
  await encoder.release()
  await text.release()
})

async function embeddingOf(file: string, startS: number): Promise<Float32Array> {
  const { samples } = readWavMono(join(__dirname, '../../../samples', file))
  const outputs = await encoder.run([samples.slice(startS * 4000, startS * 4000 + 20000)])
  return outputs.embeddings[0] as Float32Array
}

describe('text queries', () => {
  it('scores queries as cosine similarities, best first, and names unknown words', async () => {
    const audio = await embeddingOf('50238_MV.wav', 10)
    const scores = await text.score(['systolic murmur', 'tricuspid', 'zebra stripes'], audio)
    expect(scores).toHaveLength(3)
    for (const score of scores) expect(Math.abs(score.similarity)).toBeLessThanOrEqual(1 + 1e-6)
    expect(scores.map((s) => s.similarity)).toEqual([...scores.map((s) => s.similarity)].sort((a, b) => b - a))
    expect(scores.find((s) => s.query === 'zebra stripes')?.unknownWords).toEqual(['zebra', 'stripes'])
    expect(scores.find((s) => s.query === 'systolic murmur')?.unknownWords).toEqual([])
  })

  it('ranks the heart-rate band of the recording above a far-off band', async () => {
    // CLAP captions carry the window's HR band ("heart rate 130 to 140 bpm"), and HR is what this
    // encoder learns best: a 131-bpm child and a 48-bpm adult must each match their own band.
    const fast = await embeddingOf('68303_AV.wav', 2)
    const slow = await embeddingOf('84749_TV.wav', 5)
    const [fastScores, slowScores] = [
      await text.score(['heart rate 130 to 140 bpm', 'heart rate 40 to 50 bpm'], fast),
      await text.score(['heart rate 130 to 140 bpm', 'heart rate 40 to 50 bpm'], slow),
    ]
    expect(fastScores[0]?.query).toBe('heart rate 130 to 140 bpm')
    expect(slowScores[0]?.query).toBe('heart rate 40 to 50 bpm')
  })

  it('refuses an empty query', async () => {
    const audio = await embeddingOf('50238_MV.wav', 0)
    await expect(text.score(['  '], audio)).rejects.toThrow(InvalidArgumentError)
  })
})
