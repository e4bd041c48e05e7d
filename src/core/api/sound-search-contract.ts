/**
 * `sessions:soundSearch` (issue 18, docs/find-by-sound.md): the library's sessions ranked by how
 * well a description ("systolic murmur at the apex", "noisy recording") fits their sound, each with
 * the stretch that fits best. Scores are cosine similarities in the encoder's CLAP space (−1…1):
 * they rank sessions, they are not probabilities.
 */
import { z } from 'zod'

export const SOUND_SEARCH_MAX_RESULTS = 200

export const soundSearchRequestSchema = z.object({
  query: z.string().trim().min(1, 'type what to listen for').max(256),
  limit: z.number().int().min(1).max(SOUND_SEARCH_MAX_RESULTS).default(20),
})

export const soundSearchResultSchema = z.object({
  sessionId: z.string(),
  score: z.number(),
  /** The best-matching stretch, seconds from the session's start. */
  startS: z.number().nonnegative(),
  endS: z.number().nonnegative(),
  /** The recording's length, seconds (for drawing the stretch on an overview). */
  durationS: z.number().nonnegative(),
})

export const soundSearchResponseSchema = z.object({
  query: z.string(),
  /** Query words the text encoder does not know (they carry no meaning in the search). */
  unknownWords: z.array(z.string()),
  results: z.array(soundSearchResultSchema),
  /** Sessions searched. */
  searched: z.number().int().nonnegative(),
  /** Sessions whose embeddings were computed for this search (recorded before search existed, or by another model). */
  indexedNow: z.number().int().nonnegative(),
  /** Sessions left out, with why (being recorded, audio unreadable). */
  skipped: z.array(z.object({ sessionId: z.string(), reason: z.string() })),
  model: z.object({ id: z.string(), version: z.string() }),
})

export type SoundSearchRequest = z.output<typeof soundSearchRequestSchema>
export type SoundSearchResult = z.output<typeof soundSearchResultSchema>
export type SoundSearchResponse = z.output<typeof soundSearchResponseSchema>

/** The channel, spread into API_METHODS (contract.ts). */
export const SOUND_SEARCH_METHODS = {
  'sessions:soundSearch': { request: soundSearchRequestSchema, response: soundSearchResponseSchema },
} as const
