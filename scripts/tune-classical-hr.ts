/**
 * Tunes and reports the classical HR estimator (src/core/hr/classical-hr.ts) on every protocol
 * window (docs/hr-protocol.md) of a CirCor folder, by default the development data
 * (AUSCULTA_CIRCOR_DIR, else ../shared/data/circor beside the repository).
 *
 *   npx tsx scripts/tune-classical-hr.ts [--data <CirCor folder>] [--every 1] [--grid]
 *
 * Without --grid it prints the metrics of the shipped constants (overall, by location, age
 * group, murmur status, and the half/double-rate error counts). With --grid it also searches
 * the picking constants on cached envelope autocorrelations and prints the best few.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { labelledWindows, protocolWindows } from '../src/core/circor/protocol-windows'
import { parseSegmentationTsv } from '../src/core/circor/segmentation-tsv'
import {
  CLASSICAL_HR_TUNING,
  DEFAULT_MAX_BPM,
  DEFAULT_MIN_BPM,
  envelopeAutocorrelation,
  pickBeatLag,
  type ClassicalHrTuning,
} from '../src/core/hr/classical-hr'
import { hrMetrics, type HrPair } from '../src/core/metrics/hr-metrics'
import { scanCircorFolder } from '../src/main/data/circor-folder'
import { readWavMono } from '../src/main/io/wav-file'
import { circorDataDir } from './circor-data-dir'

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    every: { type: 'string', default: '1' },
    grid: { type: 'boolean', default: false },
  },
})

interface Item {
  referenceBpm: number
  location: string
  ageGroup: string
  murmur: string
  samples: Float32Array
}

const every = Number(values.every)
const folder = scanCircorFolder(circorDataDir(values.data, 'tune-classical-hr'))
const items: Item[] = []
folder.recordings.forEach((recording, index) => {
  if (index % every !== 0) return
  const { samples, sampleRateHz } = readWavMono(recording.wavPath)
  if (sampleRateHz !== 4000) throw new Error(`${recording.wavPath}: ${sampleRateHz} Hz, the tuning expects CirCor's 4000 Hz`)
  const rows = parseSegmentationTsv(readFileSync(recording.tsvPath), recording.tsvPath).rows
  for (const w of labelledWindows(protocolWindows(rows, samples.length / sampleRateHz))) {
    const start = Math.round(w.startS * sampleRateHz)
    items.push({
      referenceBpm: w.hrBpm,
      location: recording.location,
      ageGroup: recording.patient.ageGroup ?? 'adult/unknown',
      murmur: recording.patient.murmur ?? 'unknown',
      samples: samples.subarray(start, start + 5 * sampleRateHz),
    })
  }
})
console.log(`${items.length} labelled windows from ${Math.ceil(folder.recordings.length / every)} recordings`)

function fmt(m: ReturnType<typeof hrMetrics>): string {
  return (
    `n=${m.count} declined=${m.declinedCount} MAE ${m.maeBpm.toFixed(2)} median ${m.medianAbsErrorBpm.toFixed(2)} within5 ` +
    `${(100 * m.within5BpmShare).toFixed(1)}% RMSE ${m.rmseBpm.toFixed(2)}`
  )
}

type Acf = { acf: Float32Array; envelopeRateHz: number }
function acfs(tuning: ClassicalHrTuning): Acf[] {
  const t0 = performance.now()
  const out = items.map((item) => envelopeAutocorrelation(item.samples, 4000, 60 / DEFAULT_MIN_BPM, tuning))
  console.log(
    `  envelopes (rate ${tuning.envelopeRateHz} Hz, lowpass ${tuning.envelopeLowpassHz} Hz, band ` +
      `${tuning.bandLowHz}-${tuning.bandHighHz}, unbiased ${tuning.unbiased}): ` +
      `${((performance.now() - t0) / items.length).toFixed(2)} ms/window`,
  )
  return out
}

function evaluate(cache: Acf[], tuning: ClassicalHrTuning, minQuality: number): { pairs: (HrPair & { quality: number })[] } {
  const pairs = cache.map(({ acf, envelopeRateHz }, i) => {
    const envelopeLength = Math.floor(((20000 - 1) * envelopeRateHz) / 4000) + 1
    const p = pickBeatLag(
      acf,
      envelopeLength,
      envelopeRateHz,
      (60 / DEFAULT_MAX_BPM) * envelopeRateHz,
      (60 / DEFAULT_MIN_BPM) * envelopeRateHz,
      tuning,
    )
    const hr = p.lag > 0 && p.quality >= minQuality ? (60 * envelopeRateHz) / p.lag : null
    return { referenceBpm: items[i]!.referenceBpm, estimatedBpm: hr, quality: p.quality }
  })
  return { pairs }
}

function report(tuning: ClassicalHrTuning): void {
  const cache = acfs(tuning)
  const all = evaluate(cache, tuning, 0).pairs
  console.log(`all windows (no quality threshold): ${fmt(hrMetrics(all))}`)
  console.log(`reported (quality ≥ ${tuning.minQuality}): ${fmt(hrMetrics(evaluate(cache, tuning, tuning.minQuality).pairs))}`)
  let half = 0
  let double = 0
  for (const p of all) {
    if (p.estimatedBpm === null) continue
    const ratio = p.estimatedBpm / p.referenceBpm
    if (Math.abs(ratio - 0.5) < 0.1) half++
    if (Math.abs(ratio - 2) < 0.2) double++
  }
  console.log(`half-rate errors ${half}, double-rate errors ${double}`)
  for (const key of ['location', 'ageGroup', 'murmur'] as const) {
    for (const value of [...new Set(items.map((item) => item[key]))].sort()) {
      console.log(`  ${key}=${value}: ${fmt(hrMetrics(all.filter((_, i) => items[i]![key] === value)))}`)
    }
  }
  for (const [lo, hi] of [
    [0, 70],
    [70, 100],
    [100, 130],
    [130, 999],
  ] as const) {
    console.log(`  reference ${lo}-${hi} bpm: ${fmt(hrMetrics(all.filter((p) => p.referenceBpm >= lo && p.referenceBpm < hi)))}`)
  }
  for (const q of [0.1, 0.2, 0.3, 0.4, 0.5]) console.log(`  quality ≥ ${q}: ${fmt(hrMetrics(evaluate(cache, tuning, q).pairs))}`)
}

console.log('shipped constants:', JSON.stringify(CLASSICAL_HR_TUNING))
report({ ...CLASSICAL_HR_TUNING })

if (values.grid) {
  const results: { mae: number; text: string }[] = []
  for (const [bandLowHz, bandHighHz, envelopeMethod] of [
    [25, 150, 'hilbert'],
    [20, 100, 'homomorphic'],
    [25, 400, 'homomorphic'],
  ] as const) {
    const base = { ...CLASSICAL_HR_TUNING, bandLowHz, bandHighHz, envelopeMethod }
    const cache = acfs(base)
    for (const fastBpm of [150, 160, 170, 190]) {
      for (const fastSubharmonicRatio of [0.2, 0.3, 0.5]) {
        for (const [fastSearchFrom, fastSearchTo] of [
          [1.6, 3.2],
          [1.7, 2.3],
          [1.7, 2.8],
        ] as const) {
          for (const slowBpm of [55, 65, 75]) {
            for (const slowHarmonicRatio of [0.3, 0.5, 0.7]) {
              const tuning = { ...base, fastBpm, fastSubharmonicRatio, fastSearchFrom, fastSearchTo, slowBpm, slowHarmonicRatio }
              const m = hrMetrics(evaluate(cache, tuning, 0).pairs)
              results.push({
                mae: m.maeBpm,
                text:
                  `${fmt(m)}  ` +
                  JSON.stringify({
                    bandLowHz,
                    bandHighHz,
                    envelopeMethod,
                    fastBpm,
                    fastSubharmonicRatio,
                    fastSearchFrom,
                    fastSearchTo,
                    slowBpm,
                    slowHarmonicRatio,
                  }),
              })
            }
          }
        }
      }
    }
  }
  results.sort((a, b) => a.mae - b.mae)
  console.log('best of grid:')
  for (const r of results.slice(0, 15)) console.log(`  ${r.text}`)
}
