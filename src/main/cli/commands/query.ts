/**
 * `ausculta query <folder|session> "<text>" [--limit N] [--json] [--model <file.onnx>]`: find by
 * sound from the command line (issue 18, docs/find-by-sound.md): the recordings of a CirCor folder,
 * the sessions of a library data folder or one session folder, ranked by how well the description
 * fits their sound, each with its best-matching stretch and score.
 */
import { loadQueryItems, rankQueryItems, type QueryHit } from '../../search/query-folder'
import { loadSearchModels } from '../../search/search-models'
import { CliUsageError } from '../command'
import { defineCommand, flagOption, valueOption } from '../define-command'
import { SHIPPED_MODEL_PATH } from '../model-option'
import { ProgressBar } from '../progress-bar'

const usage = `Usage: ausculta query <folder|session> "<text>" [--limit <n>] [--all] [--json] [--model <file.onnx>]

Ranks recordings by how well <text> describes their sound ("systolic murmur at the apex",
"irregular rhythm", "fast heart", "noisy recording"): the encoder's embedding of every 2.5 s of
audio against the text encoder's embedding of <text> (cosine similarity, -1 to 1; a ranking, not
a probability). Prints the best recordings first, each with the stretch that fits best.

<folder> is a CirCor-format folder (every recording; its murmur label is shown beside it), a
library data folder (every finished session; embeddings stored in each session folder, computed
where missing) or one session folder.

Options:
  --limit <n>    print the best n (default 10)
  --all          print every recording
  --json         print one JSON object: {"query", "unknownWords", "kind", "results": [{"rank", "id",
                 "location", "murmur", "score", "startS", "endS"}], "skipped": [{"id", "reason"}]}
  --model <file> ONNX encoder with its card; the text encoder its card names must be beside it
                 (default: the shipped encoder)`

const murmurWords: Record<string, string> = {
  present: 'murmur here',
  absent: 'no murmur',
  'not-here': 'murmur elsewhere',
  unknown: 'unknown',
}

function table(hits: readonly QueryHit[], withLabels: boolean): string {
  const lines = [
    `${'rank'.padStart(4)}  ${'score'.padStart(6)}  ${'stretch (s)'.padEnd(13)}  ${'recording'.padEnd(28)}` +
      (withLabels ? '  CirCor label' : ''),
  ]
  for (const hit of hits) {
    const stretch = `${hit.stretch.startS.toFixed(1)}–${hit.stretch.endS.toFixed(1)}`
    const label = withLabels ? `  ${hit.location ?? ''} ${hit.murmur ? murmurWords[hit.murmur] : ''}` : ''
    lines.push(`${String(hit.rank).padStart(4)}  ${hit.score.toFixed(3).padStart(6)}  ${stretch.padEnd(13)}  ${hit.id.padEnd(28)}${label}`)
  }
  return lines.join('\n')
}

export const command = defineCommand({
  summary: 'rank recordings by a description of their sound (find by sound)',
  usage,
  options: { limit: valueOption('10'), all: flagOption(), json: flagOption(), model: valueOption(SHIPPED_MODEL_PATH) },
  operands: ['<folder|session>', '"<description>"'],
  async run(values, [target, query]) {
    if (query.trim() === '') throw new CliUsageError('the description is empty: say what to listen for, e.g. "systolic murmur"')
    const limit = Number(values.limit)
    if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError(`--limit must be a whole number ≥ 1, got '${values.limit}'`)
    const models = await loadSearchModels(values.model)
    try {
      const progress = values.json ? undefined : new ProgressBar('embedding')
      const { kind, items, skipped } = await loadQueryItems(models, target, (done, total) => progress?.update(done, total))
      const hits = await rankQueryItems(models, items, query.trim())
      const shown = values.all ? hits : hits.slice(0, limit)
      const unknownWords = models.text.tokenizer.unknownWords(query)
      if (values.json) {
        const results = shown.map(({ stretch, ...hit }) => ({ ...hit, startS: stretch.startS, endS: stretch.endS }))
        process.stdout.write(JSON.stringify({ query: query.trim(), unknownWords, kind, results, skipped }, null, 1) + '\n')
      } else {
        process.stdout.write(`"${query.trim()}": ${hits.length} recording(s) ranked, the best ${shown.length} below\n`)
        if (unknownWords.length > 0) process.stdout.write(`unknown words (ignored): ${unknownWords.join(', ')}\n`)
        process.stdout.write(table(shown, kind === 'circor') + '\n')
        // A CirCor folder lists recordings a subset may lack: one line, not one per file.
        if (skipped.length > 0) {
          const first = skipped[0] as { id: string; reason: string }
          const more = skipped.length > 1 ? ` (and ${skipped.length - 1} more; --json lists them)` : ''
          process.stderr.write(`skipped ${skipped.length} recording(s): ${first.id}: ${first.reason}${more}\n`)
        }
      }
      return hits.length > 0 ? 0 : 1
    } finally {
      await models.encoder.release()
      await models.text.release()
    }
  },
})
