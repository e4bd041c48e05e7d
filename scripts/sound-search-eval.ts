/**
 * Find-by-sound on held-out CirCor patients (issue 18, docs/find-by-sound.md): murmur Present vs
 * Absent ranked by text queries, AUROC per location and per patient. The split is the shipped
 * model's (its card lists each split's patients): `--split test` for the report, `--split
 * validation` for any choice (query, scoring); test patients are never used to choose anything.
 *
 *   node --require tsx/cjs scripts/sound-search-eval.ts [--data <CirCor folder>] [--split test|validation|all]
 *        [--text <folder with ausculta-text.onnx>] [--query "systolic murmur" ...] [--limit N] [--json] [--write models/SEARCH.md]
 *
 * The data: --data, else AUSCULTA_CIRCOR_DIR, else ../shared/data/circor beside the repository.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { scanCircorFolder } from '../src/main/data/circor-folder'
import { EncoderModel } from '../src/main/model/encoder-model'
import { TextEncoderModel } from '../src/main/model/text-query'
import { DEFAULT_MURMUR_QUERY, embedCircorRecording, scoreMurmurQuery, type EmbeddedRecording } from '../src/main/search/murmur-eval'
import { circorDataDir } from './circor-data-dir'

const ROOT = join(__dirname, '..')
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string', default: 'test' },
    model: { type: 'string', default: join(ROOT, 'models', 'ausculta-encoder.onnx') },
    /** Folder with ausculta-text.onnx and its tokenizer (default: beside --model). */
    text: { type: 'string' },
    query: { type: 'string', multiple: true },
    limit: { type: 'string' },
    json: { type: 'boolean', default: false },
    write: { type: 'string' },
  },
})

async function main(): Promise<void> {
  const dataDir = circorDataDir(values.data, 'sound-search-eval')
  const model = await EncoderModel.load(values.model!)
  const modelsDir = values.text ?? join(values.model!, '..')
  const text = await TextEncoderModel.load(join(modelsDir, 'ausculta-text.onnx'), join(modelsDir, 'ausculta-text.tokenizer.json'))
  const folder = scanCircorFolder(dataDir)
  let patients = [...folder.patients]
  if (values.split !== 'all') {
    const splitPatients = model.card.training.splitPatients ?? {}
    const wanted = new Set(splitPatients[values.split!] ?? [])
    if (wanted.size === 0)
      throw new Error(`--split ${values.split}: no such split in the model card (${Object.keys(splitPatients).join(', ')})`)
    patients = patients.filter((p) => wanted.has(p.patientId))
  }
  if (values.limit) patients = patients.slice(0, Number(values.limit))
  const recordings: EmbeddedRecording[] = []
  const started = Date.now()
  for (const recording of patients.flatMap((p) => p.recordings)) recordings.push(await embedCircorRecording(model, recording))
  const embedSeconds = (Date.now() - started) / 1000
  const queries = values.query && values.query.length > 0 ? values.query : [DEFAULT_MURMUR_QUERY]
  const results = []
  for (const query of queries) results.push(await scoreMurmurQuery(text, query, recordings))
  const summary = {
    split: values.split,
    patients: patients.length,
    recordings: recordings.length,
    windows: recordings.reduce((sum, r) => sum + r.embeddings.header.count, 0),
    embedSeconds,
    results: results.map(({ query, unknownWords, rows }) => ({ query, unknownWords, rows })),
  }
  if (values.json) process.stdout.write(JSON.stringify(summary, null, 1) + '\n')
  else {
    console.log(
      `${summary.split}: ${summary.patients} patients, ${summary.recordings} recordings, ` +
        `${summary.windows} windows (${embedSeconds.toFixed(1)} s)`,
    )
    for (const result of results) {
      const unknown = result.unknownWords.length > 0 ? ` (unknown words: ${result.unknownWords.join(', ')})` : ''
      console.log(`"${result.query}"${unknown}`)
      for (const r of result.rows)
        console.log(`  ${r.group.padEnd(28)} ${r.auroc === null ? '   —' : r.auroc.toFixed(3)}  (${r.positives} vs ${r.negatives})`)
    }
  }
  if (values.write) writeFileSync(values.write, JSON.stringify(summary, null, 1) + '\n')
  await model.release()
  await text.release()
}

main().catch((error: unknown) => {
  process.stderr.write(`sound-search-eval: ${(error as Error).message}\n`)
  process.exit(1)
})
