/**
 * What `ausculta query` ranks: a CirCor-format folder (every recording, embedded in memory: the
 * dataset folder is never written to), a library data folder (every finished session, through the
 * sessions' stored embeddings, computed and stored where missing, as the app does), or one session
 * folder.
 */
import { existsSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { WindowEmbeddings } from '../../core/search/embedding-file'
import { matchRecording, windowSimilarities, type MatchStretch } from '../../core/search/rank'
import { InvalidArgumentError } from '../../core/errors'
import { scanCircorFolder } from '../data/circor-folder'
import { SESSION_FILES } from '../sessions/data-dir'
import { SessionLibrary } from '../sessions/session-store'
import { embedCircorRecording, type MurmurLabel } from './murmur-eval'
import type { SearchModels } from './search-models'
import { ensureSessionEmbeddings } from './session-embeddings'

export type QueryTargetKind = 'circor' | 'library' | 'session'

export interface QueryItem {
  /** Recording id (CirCor) or session id. */
  id: string
  /** CirCor: location and the dataset's murmur label for that location. */
  location: string | null
  murmur: MurmurLabel | null
  embeddings: WindowEmbeddings
}

export interface QueryHit {
  rank: number
  id: string
  location: string | null
  murmur: MurmurLabel | null
  score: number
  stretch: Pick<MatchStretch, 'startS' | 'endS'>
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory()
}

export function queryTargetKind(path: string): QueryTargetKind {
  const root = resolve(path)
  if (!isDir(root))
    throw new InvalidArgumentError(`${path}: not a folder (give a CirCor folder, a library data folder or a session folder)`)
  if (existsSync(join(root, SESSION_FILES.meta)) && existsSync(join(root, SESSION_FILES.audio))) return 'session'
  if (isDir(join(root, 'sessions'))) return 'library'
  return 'circor'
}

/** Every item of the target with its embeddings; `onProgress` after each. */
export async function loadQueryItems(
  models: SearchModels,
  path: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ kind: QueryTargetKind; items: QueryItem[]; skipped: Array<{ id: string; reason: string }> }> {
  const kind = queryTargetKind(path)
  const items: QueryItem[] = []
  const skipped: Array<{ id: string; reason: string }> = []
  if (kind === 'circor') {
    const folder = scanCircorFolder(path)
    for (const skip of folder.skipped) skipped.push({ id: basename(skip.path), reason: skip.reason })
    for (const [i, recording] of folder.recordings.entries()) {
      const embedded = await embedCircorRecording(models.encoder, recording)
      items.push({ id: embedded.recordingId, location: embedded.location, murmur: embedded.label, embeddings: embedded.embeddings })
      onProgress?.(i + 1, folder.recordings.length)
    }
    return { kind, items, skipped }
  }
  const sessions =
    kind === 'session'
      ? [{ id: basename(resolve(path)), dir: resolve(path), recording: false }]
      : new SessionLibrary(resolve(path))
          .list()
          .sessions.map((s) => ({ id: s.meta.id, dir: s.dir, recording: s.meta.status === 'recording' }))
  for (const [i, session] of sessions.entries()) {
    if (session.recording) skipped.push({ id: session.id, reason: 'being recorded' })
    else {
      try {
        const { embeddings } = await ensureSessionEmbeddings(models.encoder, session.dir)
        items.push({ id: session.id, location: null, murmur: null, embeddings })
      } catch (error) {
        if (!(error instanceof Error)) throw error
        skipped.push({ id: session.id, reason: error.message })
      }
    }
    onProgress?.(i + 1, sessions.length)
  }
  return { kind, items, skipped }
}

/** The items ranked by the query, best first. */
export async function rankQueryItems(models: SearchModels, items: readonly QueryItem[], query: string): Promise<QueryHit[]> {
  const [embedding] = await models.text.embed([query])
  const hits: Omit<QueryHit, 'rank'>[] = []
  for (const item of items) {
    const match = matchRecording(item.embeddings, windowSimilarities(item.embeddings, embedding as Float32Array))
    if (match)
      hits.push({
        id: item.id,
        location: item.location,
        murmur: item.murmur,
        score: match.score,
        stretch: { startS: match.stretch.startS, endS: match.stretch.endS },
      })
  }
  return hits.sort((a, b) => b.score - a.score).map((hit, i) => ({ rank: i + 1, ...hit }))
}
