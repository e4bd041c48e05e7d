/**
 * The two models find-by-sound needs: the audio encoder (window embeddings) and the CLAP text
 * encoder trained with it (query embeddings). The text encoder is the one the encoder's card
 * names, beside it, with the card's hash: embeddings of one training mean nothing to another's
 * text encoder, so a mismatch is refused rather than searched.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { AuscultaError } from '../../core/errors'
import { EncoderModel, ModelLoadError } from '../model/encoder-model'
import { TextEncoderModel } from '../model/text-query'

/** Search cannot run: no model configured, or the model ships no text encoder of its own. */
export class SoundSearchUnavailableError extends AuscultaError {}

export interface SearchModels {
  encoder: EncoderModel
  text: TextEncoderModel
}

export async function loadTextEncoderFor(encoder: EncoderModel): Promise<TextEncoderModel> {
  const text = encoder.card.text
  if (!text?.onnx || !text.tokenizer)
    throw new SoundSearchUnavailableError(`${encoder.card.id} ${encoder.card.version}: the model card names no text encoder`)
  const dir = dirname(encoder.onnxPath)
  const onnxPath = join(dir, text.onnx)
  if (!existsSync(onnxPath)) throw new SoundSearchUnavailableError(`${text.onnx}: the model's text encoder is missing beside it`)
  if (text.sha256) {
    const actual = createHash('sha256').update(readFileSync(onnxPath)).digest('hex')
    if (actual !== text.sha256) throw new ModelLoadError(`${text.onnx}: hashes to ${actual}, the model card says ${text.sha256}`)
  }
  return TextEncoderModel.load(onnxPath, join(dir, text.tokenizer))
}

export async function loadSearchModels(modelPath: string): Promise<SearchModels> {
  const encoder = await EncoderModel.load(modelPath)
  try {
    return { encoder, text: await loadTextEncoderFor(encoder) }
  } catch (error) {
    await encoder.release()
    throw error
  }
}
