/**
 * S1/S2 onset scores of both beat detectors — the encoder's segmentation head (what the live
 * monitor uses) and the envelope detector (the fallback without a model) — on CirCor patients,
 * over the protocol windows (50-ms tolerance). The split is the shipped model's own (its card
 * lists each split's patients; the same as models/training/splits.py seed 0), so "test" are
 * development patients the encoder never trained on.
 *
 *   node --require tsx/cjs scripts/beats-eval.ts [--data <CirCor folder>] [--split test|validation|train|all] [--limit N]
 *        [--model models/ausculta-encoder.onnx | --model none] [--tuning '{"onsetFraction":0.4}']
 *        [--write models/BEATS.md]   (also writes beats.json beside it, read by models/training/report.py)
 *
 * The data: --data, else AUSCULTA_CIRCOR_DIR, else ../shared/data/circor beside the repository.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseSegmentationTsv } from '../src/core/circor/segmentation-tsv'
import { scoreWindow, scoringWindows, type ScoringWindow } from '../src/core/eval/beat-window-scoring'
import { addCounts, onsetScores, ZERO_COUNTS, type OnsetCounts, type OnsetScores } from '../src/core/eval/onset-scoring'
import { BEAT_DETECTION_TUNING, detectBeats, type BeatDetectionTuning } from '../src/core/hr/beat-detection'
import { beatsFromSegmentation, SEGMENTATION_DECODING_TUNING } from '../src/core/hr/segmentation-beats'
import { scanCircorFolder } from '../src/main/data/circor-folder'
import { readWavMono } from '../src/main/io/wav-file'
import { EncoderModel } from '../src/main/model/encoder-model'
import { circorDataDir } from './circor-data-dir'

const ROOT = join(__dirname, '..')
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string', default: 'test' },
    model: { type: 'string', default: join(ROOT, 'models', 'ausculta-encoder.onnx') },
    limit: { type: 'string' },
    tuning: { type: 'string' },
    write: { type: 'string' },
  },
})

interface DetectorTotals {
  name: string
  s1: OnsetCounts
  s2: OnsetCounts
  perRecording: { id: string; windows: number; s1F1: number }[]
  ms: number
}

const newTotals = (name: string): DetectorTotals => ({ name, s1: ZERO_COUNTS, s2: ZERO_COUNTS, perRecording: [], ms: 0 })

async function main(): Promise<void> {
  const dataDir = circorDataDir(values.data, 'beats-eval')
  const tuning: BeatDetectionTuning = {
    ...BEAT_DETECTION_TUNING,
    ...(values.tuning ? (JSON.parse(values.tuning) as Partial<BeatDetectionTuning>) : {}),
  }
  const model = values.model === 'none' ? null : await EncoderModel.load(values.model!)
  const segmentation = model?.card.segmentation
  if (model && (!segmentation || model.card.outputs.segProbs === undefined))
    throw new Error(`${values.model}: this model has no segmentation output`)
  const folder = scanCircorFolder(dataDir)
  let patients = [...folder.patients]
  const splitPatients =
    model?.card.training.splitPatients ??
    (
      JSON.parse(readFileSync(join(ROOT, 'models', 'ausculta-encoder.card.json'), 'utf8')) as {
        training: { splitPatients: Record<string, string[]> }
      }
    ).training.splitPatients
  if (values.split !== 'all') {
    const wanted = new Set(splitPatients[values.split!] ?? [])
    if (wanted.size === 0)
      throw new Error(`--split ${values.split}: no such split in the model card (${Object.keys(splitPatients).join(', ')})`)
    patients = patients.filter((p) => wanted.has(p.patientId))
  }
  if (values.limit) patients = patients.slice(0, Number(values.limit))

  const head = newTotals('segmentation head')
  const envelope = newTotals('envelope')
  let windows = 0
  let recordings = 0
  for (const patient of patients) {
    for (const recording of patient.recordings) {
      const { samples, sampleRateHz } = readWavMono(recording.wavPath)
      const rows = parseSegmentationTsv(readFileSync(recording.tsvPath), recording.tsvPath).rows
      const scoring = scoringWindows(samples, sampleRateHz, rows)
      if (scoring.length === 0) continue
      recordings++
      windows += scoring.length
      const add = (totals: DetectorTotals, counts: { s1: OnsetCounts; s2: OnsetCounts }[]): void => {
        let s1 = ZERO_COUNTS
        for (const c of counts) {
          totals.s1 = addCounts(totals.s1, c.s1)
          totals.s2 = addCounts(totals.s2, c.s2)
          s1 = addCounts(s1, c.s1)
        }
        totals.perRecording.push({ id: recording.recordingId, windows: counts.length, s1F1: onsetScores(s1).f1 })
      }
      let started = performance.now()
      add(
        envelope,
        scoring.map((w) => scoreWindow(w, detectBeats(w.samples, sampleRateHz, tuning))),
      )
      envelope.ms += performance.now() - started
      if (model && segmentation) {
        started = performance.now()
        const counts: { s1: OnsetCounts; s2: OnsetCounts }[] = []
        for (let i = 0; i < scoring.length; i += 32) {
          const batch: ScoringWindow[] = scoring.slice(i, i + 32)
          const outputs = await model.run(batch.map((w) => w.samples))
          batch.forEach((w, k) =>
            counts.push(scoreWindow(w, beatsFromSegmentation(outputs.segmentation![k]!, segmentation.frames, segmentation.frameSeconds))),
          )
        }
        head.ms += performance.now() - started
        add(head, counts)
      }
    }
  }
  await model?.release()

  const detectors = model ? [head, envelope] : [envelope]
  const pct = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3))
  const row = (name: string, sound: string, s: OnsetScores): string =>
    `| ${name} | ${sound} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.f1)} | ${s.truePositives} | ${s.falsePositives} | ` +
    `${s.falseNegatives} |`
  const table = [
    '| detector | sound | precision | recall | F1 | TP | FP | FN |',
    '|---|---|---|---|---|---|---|---|',
    ...detectors.flatMap((d) => [row(d.name, 'S1', onsetScores(d.s1)), row(d.name, 'S2', onsetScores(d.s2))]),
  ].join('\n')
  const worst = (d: DetectorTotals): string =>
    d.perRecording
      .filter((r) => !Number.isNaN(r.s1F1))
      .sort((x, y) => x.s1F1 - y.s1F1)
      .slice(0, 8)
      .map((r) => `${r.id} ${r.s1F1.toFixed(2)}`)
      .join(', ')
  console.log(`split ${values.split}: ${patients.length} patients, ${recordings} recordings, ${windows} protocol windows`)
  console.log(table)
  for (const d of detectors) console.log(`${d.name}: ${(d.ms / Math.max(1, windows)).toFixed(2)} ms per window; lowest S1 F1: ${worst(d)}`)

  if (values.write) {
    const primary = detectors[0]!
    const primaryS1 = onsetScores(primary.s1).f1
    const goal =
      primaryS1 >= 0.95 ? `Met by the ${primary.name} (${primaryS1.toFixed(3)}).` : `Not met (${primary.name}: ${primaryS1.toFixed(3)}).`
    const headNote = ' (the whole encoder graph, batched by 32: it also gives the HR)'
    const costs = detectors.map((d) => `${d.name} ${(d.ms / Math.max(1, windows)).toFixed(2)} ms${d === head ? headNote : ''}`).join('; ')
    const md = `# Beat detection: S1/S2 onsets on CirCor

Generated by \`node --require tsx/cjs scripts/beats-eval.ts --split ${values.split} --write ${values.write}\`; do not edit by hand.

Detectors:
${
  model
    ? `- **segmentation head** (what the app uses whenever the model has one): the encoder's per-frame
  S1/systole/S2/diastole posteriors (\`seg_probs\`, 20-ms frames), decoded by a cyclic Viterbi pass with
  minimum stays of ${SEGMENTATION_DECODING_TUNING.minFrames.join('/')} frames (\`src/core/hr/segmentation-beats.ts\`); the head was
  trained on the training patients' \`.tsv\` segmentation together with the production HR head.
`
    : ''
}- **envelope** (the fallback without a model): \`src/core/hr/beat-detection.ts\` (autocorrelation beat
  period and systole, dynamic programme over envelope peaks with systole/diastole duration costs,
  onset where the envelope rises through ${tuning.onsetFraction} of the peak); constants chosen on training patients.

Scoring: \`src/core/eval/onset-scoring.ts\` — one-to-one matching within ±50 ms (Springer et al. 2016),
every protocol window (5 s, hop 1 s, inside annotated runs; docs/hr-protocol.md) analysed on its own,
references = starts of the S1 (label 1) and S2 (label 3) rows inside the window.

Patients: the **${values.split}** split of the shipped model (its card's \`training.splitPatients\`; split seed
0, patient-disjoint, linked patients together): ${patients.length} patients, ${recordings} recordings, ${windows} windows.

${table}

Goal (issue 11): S1 F1 ≥ 0.95. ${goal}

Lowest per-recording S1 F1:
${detectors.map((d) => `- ${d.name}: ${worst(d)}.`).join('\n')}

Cost per window on this machine (2 shared cores): ${costs}.

Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022,
PhysioNet, doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.
`
    writeFileSync(values.write, md)
    const json = {
      split: values.split,
      splitSeed: model?.card.training.splitSeed ?? 0,
      patients: patients.length,
      recordings,
      windows,
      detectors: detectors.map((d) => {
        const s1 = onsetScores(d.s1)
        const s2 = onsetScores(d.s2)
        return {
          name: d.name,
          s1: { precision: s1.precision, recall: s1.recall, f1: s1.f1, ...d.s1 },
          s2: { precision: s2.precision, recall: s2.recall, f1: s2.f1, ...d.s2 },
        }
      }),
    }
    const jsonPath = join(dirname(values.write), 'beats.json')
    writeFileSync(jsonPath, `${JSON.stringify(json, null, 1)}\n`)
    console.log(`wrote ${values.write} and ${jsonPath}`)
  }
}

void main()
