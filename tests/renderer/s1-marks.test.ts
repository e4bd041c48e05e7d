/**
 * S1 marks of the strip chart against the CirCor segmentation: 8-s stretches of annotated audio
 * go through the chart's own buffer in 100-ms chunks (as the monitor sends them) and the marks
 * are compared with the annotated S1 onsets. The HR given is the stretch's annotated rate (the
 * monitor's HR when it is right), so this tests the marking, not the HR estimate.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { annotatedRuns } from '../../src/core/circor/annotated-runs'
import { parseSegmentationTsv } from '../../src/core/circor/segmentation-tsv'
import { readWavMono } from '../../src/main/io/wav-file'
import { PcgBuffer } from '../../src/renderer/src/lib/pcg-buffer'
import { findS1Marks } from '../../src/renderer/src/lib/s1-marks'

const ROOT = join(__dirname, '../..')
const CIRCOR = join(ROOT, '../shared/data/circor/training_data')
const STRETCH_S = 8
/** A mark sits on the sound's envelope peak: up to 200 ms after the annotated onset (S1 lasts ~100–150 ms), never well before it. */
const EARLY_S = 0.05
const LATE_S = 0.2

interface Tally {
  marks: number
  correct: number
  onsets: number
  found: number
}

function evaluate(wavPath: string, tsvPath: string, tally: Tally): void {
  const audio = readWavMono(wavPath)
  const rows = parseSegmentationTsv(readFileSync(tsvPath), tsvPath).rows
  for (const run of annotatedRuns(rows)) {
    for (let startS = run.startS; startS + STRETCH_S <= run.endS; startS += STRETCH_S) {
      const onsets = run.rows.filter((r) => r.label === 1 && r.startS >= startS && r.startS < startS + STRETCH_S).map((r) => r.startS)
      if (onsets.length < 3) continue
      const hrBpm = 60 / ((onsets[onsets.length - 1]! - onsets[0]!) / (onsets.length - 1))
      const buffer = new PcgBuffer(STRETCH_S, 'wide')
      const first = Math.round(startS * audio.sampleRateHz)
      const last = first + STRETCH_S * audio.sampleRateHz
      const chunk = audio.sampleRateHz / 10
      for (let i = first; i < last; i += chunk) buffer.append(Array.from(audio.samples.subarray(i, Math.min(i + chunk, last))), audio.sampleRateHz, i)
      // Ignore the stretch's edges: a sound cut by the edge is neither findable nor a fair miss.
      const inner = (t: number): boolean => t >= startS + 0.3 && t < startS + STRETCH_S - 0.3
      const marksS = findS1Marks(buffer.rawSnapshot(), audio.sampleRateHz, hrBpm).map((offset) => startS + offset / audio.sampleRateHz).filter(inner)
      const innerOnsets = onsets.filter(inner)
      const matches = (m: number, t: number): boolean => m - t > -EARLY_S && m - t < LATE_S
      tally.marks += marksS.length
      tally.correct += marksS.filter((m) => innerOnsets.some((t) => matches(m, t))).length
      tally.onsets += innerOnsets.length
      tally.found += innerOnsets.filter((t) => marksS.some((m) => matches(m, t))).length
    }
  }
}

describe('findS1Marks', () => {
  it('draws nothing without an HR or with under two beats of signal', () => {
    const audio = readWavMono(join(ROOT, 'samples/50238_MV.wav'))
    expect(findS1Marks(audio.samples.subarray(0, 32000), 4000, null)).toEqual([])
    expect(findS1Marks(audio.samples.subarray(0, 4000), 4000, 70)).toEqual([])
  })

  it('marks every S1 of the demo recording where the annotation has it', () => {
    const tally: Tally = { marks: 0, correct: 0, onsets: 0, found: 0 }
    evaluate(join(ROOT, 'samples/50238_MV.wav'), join(ROOT, 'samples/50238_MV.tsv'), tally)
    console.log(`[s1-marks] 50238_MV: ${tally.correct}/${tally.marks} marks correct, ${tally.found}/${tally.onsets} onsets found`)
    // The demo recording is a steady, fully annotated heart (samples/README.md): all marks right, none missed.
    expect(tally.marks).toBeGreaterThan(0)
    expect(tally.correct).toBe(tally.marks)
    expect(tally.found).toBe(tally.onsets)
  })

  // Known failure, kept visible: on 68303_AV (aortic, 132 bpm) S2 is the louder, and systole ≈
  // diastole, so both cues take S2 for S1. `it.fails` turns red the day a better rule fixes it.
  it.fails('marks S1 (not S2) on 68303_AV', () => {
    const tally: Tally = { marks: 0, correct: 0, onsets: 0, found: 0 }
    evaluate(join(ROOT, 'samples/68303_AV.wav'), join(ROOT, 'samples/68303_AV.tsv'), tally)
    console.log(`[s1-marks] 68303_AV: ${tally.correct}/${tally.marks} marks correct`)
    expect(tally.marks).toBeGreaterThan(0)
    expect(tally.correct).toBe(tally.marks)
  })

  it('is right about S1 for the great majority of marks on a tenth of the development set', () => {
    const tally: Tally = { marks: 0, correct: 0, onsets: 0, found: 0 }
    const wavs = readdirSync(CIRCOR).filter((f) => f.endsWith('.wav')).sort().filter((_, i) => i % 10 === 5)
    for (const wav of wavs) evaluate(join(CIRCOR, wav), join(CIRCOR, wav.replace(/\.wav$/, '.tsv')), tally)
    const precision = tally.correct / tally.marks
    const recall = tally.found / tally.onsets
    console.log(`[s1-marks] ${wavs.length} CirCor recordings: precision ${(precision * 100).toFixed(1)} % (${tally.correct}/${tally.marks}), recall ${(recall * 100).toFixed(1)} % (${tally.found}/${tally.onsets})`)
    // 90 %: below the 97 % agreement accuracy measured on other recordings of the set, above the
    // ~50 % that labelling a random comb S1 gives; a swapped S1/S2 rule drops far below it.
    expect(precision).toBeGreaterThan(0.9)
    // Marks are withheld when unsure, but most onsets must still get one (measured ~2/3).
    expect(recall).toBeGreaterThan(0.5)
  })
})
