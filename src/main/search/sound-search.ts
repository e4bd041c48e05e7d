/**
 * Find by sound in the session library (issue 18): the encoder embeds every session's audio per
 * window (stored in the session folder, session-embeddings.ts), the CLAP text encoder embeds the
 * query, and sessions are ranked by their best window's cosine similarity with the best-matching
 * stretch. Embeddings are made when a recording ends (`indexSession`) and, for sessions recorded
 * before search existed or by another model, on demand at search time (or by `backfill`).
 *
 * One embedding job runs at a time (a queue), so a search and an end-of-recording index never
 * race on a session's file, and the app never takes more than one core for it.
 */
import type { SoundSearchRequest, SoundSearchResponse, SoundSearchResult } from '../../core/api/sound-search-contract'
import { matchRecording, windowSimilarities } from '../../core/search/rank'
import type { EncoderModel } from '../model/encoder-model'
import type { TextEncoderModel } from '../model/text-query'
import { SessionLibrary } from '../sessions/session-store'
import { loadSearchModels, SoundSearchUnavailableError } from './search-models'
import { ensureSessionEmbeddings, type StoredEmbeddings } from './session-embeddings'

export interface SoundSearchOptions {
  /** Read on every call: both can change in Settings. */
  dataDir: () => string
  modelPath: () => string | null
}

interface LoadedModels {
  modelPath: string
  encoder: EncoderModel
  text: TextEncoderModel
}

export class SoundSearch {
  private models: Promise<LoadedModels> | null = null
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: SoundSearchOptions) {}

  private async loaded(): Promise<LoadedModels> {
    const modelPath = this.options.modelPath()
    if (!modelPath) throw new SoundSearchUnavailableError('no model is configured (Settings → model): search needs the encoder')
    const current = this.models
    if (current) {
      const models = await current.catch(() => null)
      if (models?.modelPath === modelPath) return models
      if (models) await Promise.all([models.encoder.release(), models.text.release()]).catch(() => undefined)
    }
    const next = loadSearchModels(modelPath).then((models) => ({ modelPath, ...models }))
    this.models = next
    next.catch(() => {
      if (this.models === next) this.models = null
    })
    return next
  }

  /** Runs `job` after every job queued before it. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Embeds one session folder now (unless its stored embeddings are current). */
  async indexSessionDir(dir: string): Promise<StoredEmbeddings> {
    const { encoder } = await this.loaded()
    return this.enqueue(() => ensureSessionEmbeddings(encoder, dir))
  }

  /** Embeds a finished session by id (the end of a recording); failures are the caller's to report. */
  async indexSession(id: string): Promise<StoredEmbeddings> {
    return this.indexSessionDir(new SessionLibrary(this.options.dataDir()).get(id).dir)
  }

  /**
   * Embeds a session that has just been saved. Without a model (or with one that has no text
   * encoder) there is nothing to do and nothing to report: search says so when it is used.
   */
  async indexAfterRecording(id: string): Promise<void> {
    try {
      await this.indexSession(id)
    } catch (error) {
      if (!(error instanceof SoundSearchUnavailableError)) throw error
    }
  }

  /** Embeds every finished session that lacks current embeddings; returns how many were computed and what failed. */
  async backfill(
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ computed: number; failed: Array<{ sessionId: string; reason: string }> }> {
    const sessions = new SessionLibrary(this.options.dataDir()).list().sessions.filter((s) => s.meta.status !== 'recording')
    let computed = 0
    const failed: Array<{ sessionId: string; reason: string }> = []
    for (const [i, session] of sessions.entries()) {
      try {
        if ((await this.indexSessionDir(session.dir)).computed) computed++
      } catch (error) {
        if (!(error instanceof Error)) throw error
        failed.push({ sessionId: session.meta.id, reason: error.message })
      }
      onProgress?.(i + 1, sessions.length)
    }
    return { computed, failed }
  }

  async search(request: SoundSearchRequest): Promise<SoundSearchResponse> {
    const { encoder, text } = await this.loaded()
    const query = request.query.trim()
    const [queryEmbedding] = await text.embed([query])
    const sessions = new SessionLibrary(this.options.dataDir()).list().sessions
    const results: SoundSearchResult[] = []
    const skipped: SoundSearchResponse['skipped'] = []
    let indexedNow = 0
    let searched = 0
    for (const { meta, dir } of sessions) {
      if (meta.status === 'recording') {
        skipped.push({ sessionId: meta.id, reason: 'being recorded: searchable once it ends' })
        continue
      }
      let stored: StoredEmbeddings
      try {
        stored = await this.enqueue(() => ensureSessionEmbeddings(encoder, dir))
      } catch (error) {
        if (!(error instanceof Error)) throw error
        skipped.push({ sessionId: meta.id, reason: error.message })
        continue
      }
      searched++
      if (stored.computed) indexedNow++
      const { embeddings } = stored
      const match = matchRecording(embeddings, windowSimilarities(embeddings, queryEmbedding as Float32Array))
      if (!match) continue
      results.push({
        sessionId: meta.id,
        score: match.score,
        startS: match.stretch.startS,
        endS: match.stretch.endS,
        durationS: embeddings.header.frames / embeddings.header.sampleRateHz,
      })
    }
    results.sort((a, b) => b.score - a.score)
    return {
      query,
      unknownWords: text.tokenizer.unknownWords(query),
      results: results.slice(0, request.limit),
      searched,
      indexedNow,
      skipped,
      model: { id: encoder.card.id, version: encoder.card.version },
    }
  }

  async dispose(): Promise<void> {
    const models = await this.models?.catch(() => null)
    this.models = null
    if (models) await Promise.all([models.encoder.release(), models.text.release()])
  }
}
