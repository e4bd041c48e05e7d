/**
 * The find-by-sound measurement (issue 18, src/main/search/murmur-eval.ts): murmur Present vs
 * Absent ranked by a text query. In CI on six held-out recordings (tests/fixtures/search/, test
 * split, chosen by a rule: see its README); on the whole held-out test split when
 * AUSCULTA_CIRCOR_DIR names the dataset, where it must reproduce models/search.json (the figures
 * of models/REPORT.md).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scanCircorFolder } from '../../../src/main/data/circor-folder'
import { EncoderModel } from '../../../src/main/model/encoder-model'
import { TextEncoderModel } from '../../../src/main/model/text-query'
import { embedCircorRecording, scoreMurmurQuery, type EmbeddedRecording } from '../../../src/main/search/murmur-eval'
import { circorDatasetFor } from '../../helpers/circor-dataset'

const ROOT = join(__dirname, '../../..')
const FIXTURES = join(ROOT, 'tests/fixtures/search')
const dataset = circorDatasetFor(__filename)

let model: EncoderModel
let text: TextEncoderModel
beforeAll(async () => {
  model = await EncoderModel.load(join(ROOT, 'models/ausculta-encoder.onnx'))
  text = await TextEncoderModel.load(join(ROOT, 'models/ausculta-text.onnx'), join(ROOT, 'models/ausculta-text.tokenizer.json'))
})
afterAll(async () => {
  await model?.release()
  await text?.release()
})

async function embedAll(folder: string, patients?: ReadonlySet<string>): Promise<EmbeddedRecording[]> {
  const recordings = scanCircorFolder(folder).recordings.filter((r) => !patients || patients.has(r.patientId))
  const out: EmbeddedRecording[] = []
  for (const recording of recordings) out.push(await embedCircorRecording(model, recording))
  return out
}

describe('murmur AUROC on held-out fixtures', () => {
  it('ranks murmur recordings above murmur-free ones for "systolic murmur", and below for "no murmur"', { timeout: 60_000 }, async () => {
    const recordings = await embedAll(FIXTURES)
    expect(recordings.map((r) => `${r.recordingId}:${r.label}`).sort()).toEqual([
      '49994_MV:present',
      '50744_TV:present',
      '68407_AV:absent',
      '84721_TV:absent',
      '84732_MV:present',
      '84851_TV:absent',
    ])
    const murmur = await scoreMurmurQuery(text, 'systolic murmur', recordings)
    const all = murmur.rows.find((r) => r.group === 'recordings, all locations')!
    expect([all.positives, all.negatives]).toEqual([3, 3])
    // Measured with the shipped models: 7 of the 9 murmur/no-murmur pairs in order (50744_TV, a
    // murmur heard loudest at TV, scores below two murmur-free recordings). Chance is 4.5 of 9.
    expect(all.auroc).toBeGreaterThanOrEqual(7 / 9 - 1e-9)
    const none = await scoreMurmurQuery(text, 'no murmur', recordings)
    expect(none.rows.find((r) => r.group === 'recordings, all locations')!.auroc).toBeLessThan(0.5)
    // The patient rows: one recording per patient here, so the same pairs.
    expect(murmur.rows.find((r) => r.group === 'patients (best recording)')!.auroc).toBeCloseTo(all.auroc!, 12)
  })
})

describe.skipIf(!dataset)('murmur AUROC on the whole held-out test split (AUSCULTA_CIRCOR_DIR)', () => {
  it('reproduces the figures of models/search.json for the shipped text encoder', { timeout: 600_000 }, async () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'models/search.json'), 'utf8')) as {
      runs: Array<{ split: string; text: string; results: Array<{ query: string; rows: Array<{ group: string; auroc: number | null }> }> }>
    }
    const shipped = report.runs.find((r) => r.split === 'test' && r.text === 'shipped')!
    const test = new Set(model.card.training.splitPatients?.test ?? [])
    expect(test.size).toBe(30)
    const recordings = await embedAll(dataset!.root, test)
    for (const expected of shipped.results) {
      const measured = await scoreMurmurQuery(text, expected.query, recordings)
      for (const row of expected.rows) {
        const got = measured.rows.find((r) => r.group === row.group)!
        expect(got.auroc, `${expected.query} / ${row.group}`).toBeCloseTo(row.auroc as number, 3)
      }
    }
  })
})
