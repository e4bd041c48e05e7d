/**
 * Fits the display decision (src/core/hr/hr-decision.ts) on VALIDATION patients only and writes it
 * into the model card's `display` block (docs/hr-decision.md):
 *   node --require tsx/cjs scripts/calibrate-display.ts --data ../shared/data/circor \
 *     --suite /tmp/robustness-validation [--model models/ausculta-encoder.onnx] [--write]
 * The suite is the validation robustness suite (models/training/robustness.py --split validation).
 * 1. every validation recording and every suite condition streamed through the window analysis;
 * 2. temperature by NLL of the reference bin; isotonic map score → P(|error| ≤ 5 bpm);
 * 3. thresholds by grid search: the targets of issue 15 on validation (clean windows answered
 *    ≥ 97 % with ≤ 0.3 % of shown numbers off by > 5 bpm, no-heart windows with an HR ≤ 1 %), then
 *    the most windows answered across clean and suite with the fewest numbers off by > 10 bpm.
 * Without --write it prints what it would write.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fitIsotonic, fitTemperature, rawScore, type LabelledDistribution } from '../src/core/hr/display-calibration'
import { DEFAULT_DISPLAY_CALIBRATION, HrDecider, type DisplayCalibration } from '../src/core/hr/hr-decision'
import { calibrationTable } from '../src/core/eval/eval-summary'
import { collectFolderStreams, scoreDecisions, type CollectedStream, type CollectedWindow } from '../src/main/eval/stream-collect'
import { runRobustnessSuite } from '../src/main/eval/robustness-suite'
import { EncoderModel } from '../src/main/model/encoder-model'
import { circorDataDir } from './circor-data-dir'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      suite: { type: 'string' },
      model: { type: 'string', default: 'models/ausculta-encoder.onnx' },
      write: { type: 'boolean', default: false },
    },
  })
  if (!values.suite) {
    process.stderr.write(
      'usage: calibrate-display.ts [--data <CirCor folder>] --suite <validation robustness suite> [--model <onnx>] [--write]\n',
    )
    process.exit(2)
  }
  const data = circorDataDir(values.data, 'calibrate-display')
  const modelPath = resolve(values.model)
  const model = await EncoderModel.load(modelPath)
  const card = model.card
  const bins = card.hrBins
  const validation = card.training.splitPatients?.validation
  if (!validation) throw new Error(`${modelPath}: the card lists no validation patients`)
  const t0 = Date.now()
  const clean = await collectFolderStreams(data, { model, kind: 'heart', patientIds: new Set(validation) })
  const suite = await runRobustnessSuite(values.suite, model)
  if (suite.manifest.split !== 'validation')
    throw new Error(`${values.suite}: a ${suite.manifest.split} suite; calibrate on validation only`)
  await model.release()
  process.stdout.write(
    `collected in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${clean.streams.length} clean streams, ${suite.results.length} ` +
      `suite conditions\n`,
  )

  const suiteStreams: CollectedStream[] = [...suite.streams.values()].flat()
  const allStreams = [...clean.streams, ...suiteStreams]
  const labelled = (streams: CollectedStream[]): Array<CollectedWindow & { truth: { kind: 'hr'; bpm: number } }> =>
    streams
      .flatMap((s) => s.windows)
      .filter(
        (w): w is CollectedWindow & { truth: { kind: 'hr'; bpm: number } } => w.truth.kind === 'hr' && w.evidence.productionProbs !== null,
      )
  const items: LabelledDistribution[] = labelled(allStreams).map((w) => ({
    probs: w.evidence.productionProbs as ArrayLike<number>,
    noHrProb: w.evidence.noHrProb,
    referenceBpm: w.truth.bpm,
  }))
  const { temperature, nll, nllAtOne } = fitTemperature(items, bins)
  const points = items.map((item) => {
    const { score, hrBpm } = rawScore(item, bins, temperature)
    return { score, correct: Math.abs(hrBpm - item.referenceBpm) <= 5 }
  })
  const isotonic = fitIsotonic(points)
  process.stdout.write(
    `temperature ${temperature} (NLL ${nll.toFixed(4)}, at T=1 ${nllAtOne.toFixed(4)}); isotonic ${isotonic.x.length} knots ` +
      `over ${points.length} labelled windows\n`,
  )

  const decideAll = (streams: CollectedStream[], calibration: DisplayCalibration): ReturnType<typeof scoreDecisions> => {
    const decided = streams.flatMap((stream) => {
      const decider = new HrDecider(bins, calibration)
      return stream.windows.map((w) => ({ truth: w.truth, production: w.production, decision: decider.decide(w.evidence) }))
    })
    return scoreDecisions(decided)
  }
  const base: DisplayCalibration = { ...DEFAULT_DISPLAY_CALIBRATION, temperature, isotonic }
  let best: {
    calibration: DisplayCalibration
    objective: number
    clean: ReturnType<typeof scoreDecisions>
    suite: ReturnType<typeof scoreDecisions>
    meets: boolean
  } | null = null
  for (const minConfidence of [0.1, 0.2, 0.3, 0.5, 0.7, 0.9]) {
    for (const maxNoHrProb of [0.2, 0.35, 0.5, 0.7, 0.9]) {
      for (const crossCheckBelowConfidence of [0, 0.9, 0.97, 2]) {
        for (const minLayerAgreement of [0, 0.375]) {
          const calibration = { ...base, minConfidence, maxNoHrProb, crossCheckBelowConfidence, minLayerAgreement }
          const c = decideAll(clean.streams, calibration)
          const s = decideAll(suiteStreams, calibration)
          const cleanOff5 = c.answered > 0 ? c.off5 / c.answered : 1
          const meets = c.answeredShare >= 0.97 && cleanOff5 <= 0.003 && s.noHeartShownShare <= 0.01
          const answered = (c.answered + s.answered) / Math.max(1, c.labelledWindows + s.labelledWindows)
          const off10 = (c.off10 + s.off10) / Math.max(1, c.answered + s.answered)
          // Targets first; then answer as much as possible while a number off by > 10 bpm costs 20 answered windows.
          const objective =
            (meets ? 10 : 0) +
            answered -
            20 * off10 -
            5 * Math.max(0, s.noHeartShownShare - 0.01) -
            5 * Math.max(0, cleanOff5 - 0.003) -
            5 * Math.max(0, 0.97 - c.answeredShare)
          if (!best || objective > best.objective) best = { calibration, objective, clean: c, suite: s, meets }
        }
      }
    }
  }
  if (!best) throw new Error('no calibration evaluated')
  const { calibration } = best
  // Reliability of the fitted confidence on the validation windows it was fitted on (the test figures are in models/REPORT.md).
  const reliability = calibrationTable(
    labelled(allStreams).map((w) => {
      const d = new HrDecider(bins, calibration)
      const decision = d.decide({ ...w.evidence, flags: [] })
      return { confidence: decision.confidence, within5: decision.windowBpm !== null && Math.abs(decision.windowBpm - w.truth.bpm) <= 5 }
    }),
  )
  const display = {
    calibration,
    fittedOn:
      `validation patients only (split seed ${card.training.splitSeed ?? 0}: ${validation.length} patients, ` +
      `${clean.streams.length} streamed recordings) and the validation robustness suite (${suite.results.length} conditions, ` +
      `${suite.manifest.variant} variant)`,
    fittedBy: 'scripts/calibrate-display.ts',
    validation: {
      meetsTargets: best.meets,
      temperatureNll: { fitted: Number(nll.toFixed(4)), atOne: Number(nllAtOne.toFixed(4)) },
      ece: Number(reliability.ece.toFixed(4)),
      clean: roundScores(best.clean),
      suite: roundScores(best.suite),
    },
  }
  process.stdout.write(
    JSON.stringify({ ...display, calibration: { ...calibration, isotonic: `${calibration.isotonic.x.length} knots` } }, null, 1) + '\n',
  )
  if (values.write) {
    const cardPath = modelPath.replace(/\.onnx$/i, '') + '.card.json'
    const raw = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, unknown>
    raw.display = display
    writeFileSync(cardPath, JSON.stringify(raw, null, 1) + '\n')
    process.stdout.write(`wrote the display block into ${cardPath}\n`)
  }
}

function roundScores(s: ReturnType<typeof scoreDecisions>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Number.isFinite(v) ? Number(v.toFixed(4)) : null]))
}

main().catch((error: unknown) => {
  process.stderr.write(`calibrate-display: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
