/**
 * The word-level tokenizer of the CLAP text encoder, driven by the JSON exported with it
 * (models/ausculta-text.tokenizer.json), so that TypeScript and the Python training code split
 * and number words the same way.
 */
import { z } from 'zod'
import { FormatError } from '../errors'
import { parseJsonWith } from '../zod-issue'

export class TokenizerError extends FormatError {}

const tokenizerSchema = z
  .object({
    type: z.literal('word'),
    lowercase: z.boolean(),
    split_regex: z.string(),
    max_tokens: z.number().int().positive(),
    pad_id: z.number().int().nonnegative(),
    unk_id: z.number().int().nonnegative(),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
  })
  .loose()

export type TokenizerSpec = z.infer<typeof tokenizerSchema>

export interface Tokenizer {
  readonly maxTokens: number
  /** Token ids padded (or cut) to `maxTokens`. */
  encode(text: string): BigInt64Array
  /** Words of `text` that the vocabulary does not know (for "unknown words" hints in the UI). */
  unknownWords(text: string): string[]
}

export function parseTokenizer(json: string, sourceName: string): Tokenizer {
  const spec = parseJsonWith(tokenizerSchema, json, ({ summary }) => {
    throw new TokenizerError(`${sourceName}: ${summary}`)
  })
  let splitter: RegExp
  try {
    splitter = new RegExp(spec.split_regex, 'g')
  } catch (error) {
    throw new TokenizerError(`${sourceName}: field 'split_regex' is not a valid pattern (${(error as Error).message})`)
  }
  const words = (text: string): string[] => (spec.lowercase ? text.toLowerCase() : text).split(splitter).filter((word) => word.length > 0)
  return {
    maxTokens: spec.max_tokens,
    encode(text) {
      const ids = new BigInt64Array(spec.max_tokens).fill(BigInt(spec.pad_id))
      words(text)
        .slice(0, spec.max_tokens)
        .forEach((word, i) => {
          ids[i] = BigInt(spec.vocab[word] ?? spec.unk_id)
        })
      return ids
    },
    unknownWords(text) {
      return words(text).filter((word) => spec.vocab[word] === undefined)
    },
  }
}
