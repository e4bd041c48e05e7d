/**
 * The library's find-by-sound service on a real data folder: sessions written by the real recorder
 * from CirCor recordings, the shipped encoder and text encoder, embeddings stored in the session
 * folders, stale and damaged files computed again, a session being recorded left out.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeEmbeddingFile } from '../../../src/core/search/embedding-file'
import { readWavMono } from '../../../src/main/io/wav-file'
import { ModelLoadError } from '../../../src/main/model/encoder-model'
import { SoundSearchUnavailableError } from '../../../src/main/search/search-models'
import { EMBEDDING_FILE_NAME } from '../../../src/main/search/session-embeddings'
import { SoundSearch } from '../../../src/main/search/sound-search'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const MODEL = join(ROOT, 'models', 'ausculta-encoder.onnx')

function record(dataDir: string, wav: string, stop = true): string {
  const audio = readWavMono(wav)
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz: audio.sampleRateHz,
    location: 'MV',
    device: { id: 'test', name: 'test' },
    modelId: null,
  })
  for (let at = 0; at < audio.samples.length; at += 4000) {
    recorder.appendAudio({ samples: audio.samples.subarray(at, at + 4000), sampleRateHz: audio.sampleRateHz, firstSampleIndex: at })
  }
  return stop ? recorder.stop().id : recorder.id
}

const searches: SoundSearch[] = []
function service(dataDir: string, modelPath: string | null = MODEL): SoundSearch {
  const search = new SoundSearch({ dataDir: () => dataDir, modelPath: () => modelPath })
  searches.push(search)
  return search
}
afterAll(async () => {
  for (const search of searches) await search.dispose()
})

describe('SoundSearch', () => {
  it('ranks every finished session, stores its embeddings, and reuses them', { timeout: 60_000 }, async () => {
    const dataDir = testTempDir('sound-search-')
    const ids = ['50238_MV', '74420_MV', '84740_PV'].map((name) => record(dataDir, join(ROOT, 'samples', `${name}.wav`)))
    const search = service(dataDir)
    const first = await search.search({ query: 'systolic murmur', limit: 20 })
    expect(first.searched).toBe(3)
    expect(first.indexedNow).toBe(3)
    expect(first.results.map((r) => r.sessionId).sort()).toEqual([...ids].sort())
    for (let i = 1; i < first.results.length; i++) expect(first.results[i - 1]!.score).toBeGreaterThanOrEqual(first.results[i]!.score)
    for (const hit of first.results) {
      expect(hit.startS).toBeGreaterThanOrEqual(0)
      expect(hit.endS).toBeGreaterThan(hit.startS)
      expect(hit.endS).toBeLessThanOrEqual(hit.durationS + 1e-9)
    }
    const library = new SessionLibrary(dataDir)
    for (const id of ids) {
      const file = join(library.get(id).dir, EMBEDDING_FILE_NAME)
      const embeddings = decodeEmbeddingFile(readFileSync(file), file)
      // 2.5-s hop over ~20-s recordings: 7 windows or more each.
      expect(embeddings.header.count).toBeGreaterThanOrEqual(7)
      expect(embeddings.header.model.id).toBe('ausculta-encoder')
    }
    const again = await search.search({ query: 'systolic murmur', limit: 2 })
    expect(again.indexedNow).toBe(0)
    expect(again.results.map((r) => r.sessionId)).toEqual(first.results.slice(0, 2).map((r) => r.sessionId))
    expect(again.results.map((r) => r.score)).toEqual(first.results.slice(0, 2).map((r) => r.score))
  })

  it('computes damaged or stale embeddings again and leaves a session being recorded out', { timeout: 60_000 }, async () => {
    const dataDir = testTempDir('sound-search-')
    const done = record(dataDir, join(ROOT, 'samples', '74420_MV.wav'))
    const live = record(dataDir, join(ROOT, 'samples', '84740_PV.wav'), false)
    const search = service(dataDir)
    await search.indexSession(done)
    const file = join(new SessionLibrary(dataDir).get(done).dir, EMBEDDING_FILE_NAME)
    const bytes = readFileSync(file)
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff
    writeFileSync(file, bytes)
    const result = await search.search({ query: 'irregular rhythm', limit: 20 })
    expect(result.indexedNow).toBe(1)
    expect(result.results.map((r) => r.sessionId)).toEqual([done])
    expect(result.skipped).toEqual([{ sessionId: live, reason: expect.stringMatching(/being recorded/) }])
    expect(() => decodeEmbeddingFile(readFileSync(file), file)).not.toThrow()
    expect(existsSync(join(new SessionLibrary(dataDir).get(live).dir, EMBEDDING_FILE_NAME))).toBe(false)
  })

  it('says what is wrong: no model, unknown words, a text encoder from another training', { timeout: 60_000 }, async () => {
    const dataDir = testTempDir('sound-search-')
    record(dataDir, join(ROOT, 'samples', '74420_MV.wav'))
    await expect(service(dataDir, null).search({ query: 'murmur', limit: 5 })).rejects.toThrow(SoundSearchUnavailableError)
    const unknown = await service(dataDir).search({ query: 'systolic zzyzx murmur', limit: 5 })
    expect(unknown.unknownWords).toEqual(['zzyzx'])

    const models = testTempDir('sound-search-models-')
    mkdirSync(models, { recursive: true })
    for (const name of ['ausculta-encoder.onnx', 'ausculta-encoder.card.json', 'ausculta-text.onnx', 'ausculta-text.tokenizer.json'])
      copyFileSync(join(ROOT, 'models', name), join(models, name))
    const cardPath = join(models, 'ausculta-encoder.card.json')
    const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { text: { sha256: string } }
    card.text.sha256 = '0'.repeat(64)
    writeFileSync(cardPath, JSON.stringify(card))
    await expect(service(dataDir, join(models, 'ausculta-encoder.onnx')).search({ query: 'murmur', limit: 5 })).rejects.toThrow(
      ModelLoadError,
    )
  })
})
