import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labelledWindows, protocolWindows } from '../../../src/core/circor/protocol-windows'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { CIRCOR_FIXTURES, circorDatasetFor } from '../../helpers/circor-dataset'

const SAMPLES = join(__dirname, '../../../samples')
const dataset = circorDatasetFor(__filename)

function windowsOf(folder: string, recording: string) {
  const tsv = readFileSync(join(folder, `${recording}.tsv`), 'utf8')
  const wav = decodeWav(new Uint8Array(readFileSync(join(folder, `${recording}.wav`))), `${recording}.wav`)
  return protocolWindows(parseSegmentationTsv(tsv, `${recording}.tsv`).rows, wav.frames / wav.sampleRateHz)
}

describe('protocolWindows', () => {
  it('labels the one window of 14241_MV as worked out by hand', () => {
    // 14241_MV.tsv: line 1 is label 0 up to 5.7755 s; lines 2–42 are labels 1–4 without a gap
    // above 10 ms (largest: 10.920157 → 10.920171, 14 µs; 8.240225 → 8.240157 overlaps); line 43
    // is label 0 again. So one run: 5.7755 s (line 2) to 11.226787 s (end of the S1 on line 42).
    // Windows: 5.7755 + 5 = 10.7755 ≤ 11.226787 fits; 6.7755 + 5 = 11.7755 does not: ONE window.
    // S1 onsets in [5.7755, 10.7755): 5.7755, 6.296601, 6.837602, 7.424301, 7.938768, 8.476821,
    // 9.017085, 9.593465, 10.094665, 10.611343 (10 onsets; 11.147185 is past the end).
    // HR = 60 · 9 / (10.611343 − 5.7755) = 540 / 4.835843 = 111.66615... bpm.
    const windows = windowsOf(CIRCOR_FIXTURES, '14241_MV')
    expect(windows.length).toBe(1)
    expect(windows[0]!.startS).toBe(5.7755)
    expect(windows[0]!.s1Count).toBe(10)
    // 1e-9 bpm: the hand value is exact arithmetic; only float rounding may differ.
    expect(windows[0]!.hrBpm).toBeCloseTo(540 / 4.835843, 9)
  })

  it('gives the sample recordings the window counts listed in samples/README.md', () => {
    const counts = Object.fromEntries(
      ['84749_TV', '50238_MV', '84740_PV', '74420_MV', '68303_AV'].map((r) => [r, labelledWindows(windowsOf(SAMPLES, r)).length]),
    )
    // The counts in samples/README.md, computed there with the same protocol.
    expect(counts).toEqual({ '84749_TV': 9, '50238_MV': 17, '84740_PV': 9, '74420_MV': 12, '68303_AV': 7 })
  })

  it('stops at the end of the audio even when the annotation runs on', () => {
    const rows = parseSegmentationTsv(Array.from({ length: 20 }, (_, i) => `${i * 0.5}\t${i * 0.5 + 0.5}\t${(i % 4) + 1}`).join('\n')).rows
    // The run covers 0–10 s: 6 windows (starts 0..5); audio of 7.5 s leaves starts 0, 1, 2 only.
    expect(protocolWindows(rows, 100).map((w) => w.startS)).toEqual([0, 1, 2, 3, 4, 5])
    expect(protocolWindows(rows, 7.5).map((w) => w.startS)).toEqual([0, 1, 2])
    // S1 every 2 s (rows 0, 4, 8...): 3 onsets in [0, 5) → 60 / 2 = 30 bpm; [1, 6) holds 2, 4: none.
    expect(protocolWindows(rows, 100).map((w) => w.hrBpm)).toEqual([30, null, 30, null, 30, null])
  })
})

describe.skipIf(!dataset)('protocolWindows on the whole development set (AUSCULTA_CIRCOR_DIR)', () => {
  it('yields exactly 7,589 labelled windows, HR 48.2–153.8 bpm, on the development data (docs/hr-protocol.md)', () => {
    const data = dataset!.trainingDataDir
    const recordings = readdirSync(data)
      .filter((f) => f.endsWith('.tsv'))
      .map((f) => f.slice(0, -4))
    // 990 recordings and 7,589 windows are the figures docs/hr-protocol.md fixes for this subset.
    expect(recordings.length).toBe(990)
    const hrs = recordings.flatMap((r) => labelledWindows(windowsOf(data, r)).map((w) => w.hrBpm))
    expect(hrs.length).toBe(7589)
    // docs/hr-protocol.md gives the range to 0.1 bpm.
    expect(Math.min(...hrs)).toBeCloseTo(48.2, 1)
    expect(Math.max(...hrs)).toBeCloseTo(153.8, 1)
  })
})
