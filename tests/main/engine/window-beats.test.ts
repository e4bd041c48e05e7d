import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { labelledWindows, protocolWindows } from '../../../src/core/circor/protocol-windows'
import { matchOnsets } from '../../../src/core/eval/onset-scoring'
import { analyseWindow } from '../../../src/main/engine/window-analysis'
import { EncoderModel } from '../../../src/main/model/encoder-model'
import { readWavMono } from '../../../src/main/io/wav-file'

const SAMPLES = join(__dirname, '../../../samples')

describe('analyseWindow: beats', () => {
  it("takes the beats from the model's segmentation head when the model has one, within 50 ms of the .tsv", async () => {
    const model = await EncoderModel.load(join(__dirname, '../../../models/ausculta-encoder.onnx'))
    try {
      // Measured S1 F1 per recording (encoder 2.0.0): 50238_MV 0.966, 68303_AV 0.993, 74420_MV 1.000,
      // 84740_PV 0.913 (held-out test patients: 0.980, models/BEATS.md; encoder 1.0.0 had 0.955,
      // 0.987, 1.000, 0.980 and 0.983 held out). 0.88 allows about two more misses on the weakest. 84749_TV (49 bpm with an
      // extra diastolic sound) is left out: the head
      // reads it at double rate (S1 F1 0.66, documented in segmentation-beats.ts).
      for (const id of ['50238_MV', '68303_AV', '74420_MV', '84740_PV']) {
        const { samples, sampleRateHz } = readWavMono(join(SAMPLES, `${id}.wav`))
        const rows = parseSegmentationTsv(readFileSync(join(SAMPLES, `${id}.tsv`)), 'tsv').rows
        let tp = 0
        let fp = 0
        let fn = 0
        for (const window of labelledWindows(protocolWindows(rows, samples.length / sampleRateHz))) {
          const first = Math.round(window.startS * sampleRateHz)
          const analysis = await analyseWindow(samples.slice(first, first + 5 * sampleRateHz), sampleRateHz, model)
          expect(analysis.beats!.source).toBe('segmentation')
          const detected = analysis.beats!.s1OnsetsS.map((t) => t + window.startS).filter((t) => t < window.startS + 5)
          const m = matchOnsets(detected, window.s1OnsetsS)
          tp += m.truePositives
          fp += m.falsePositives
          fn += m.falseNegatives
        }
        const f1 = (2 * tp) / (2 * tp + fp + fn)
        expect(f1, `${id} S1 F1`).toBeGreaterThanOrEqual(0.88)
      }
    } finally {
      await model.release()
    }
  })

  it('reports S1/S2 onsets (window-relative), intervals and a JSON-safe irregularity', async () => {
    const { samples, sampleRateHz } = readWavMono(join(SAMPLES, '74420_MV.wav'))
    const rows = parseSegmentationTsv(readFileSync(join(SAMPLES, '74420_MV.tsv')), 'tsv').rows
    const window = labelledWindows(protocolWindows(rows, samples.length / sampleRateHz))[0]!
    const first = Math.round(window.startS * sampleRateHz)
    const analysis = await analyseWindow(samples.slice(first, first + 5 * sampleRateHz), sampleRateHz, null)
    const beats = analysis.beats!
    expect(beats.source).toBe('envelope')
    // Each reference S1 of this window (an infant at ~125 bpm: 10 or 11 beats) has a detection
    // within 50 ms; one miss is allowed (the window edges cut sounds).
    const hits = window.s1OnsetsS.filter((t) => beats.s1OnsetsS.some((d) => Math.abs(d + window.startS - t) <= 0.05)).length
    expect(hits).toBeGreaterThanOrEqual(window.s1OnsetsS.length - 1)
    expect(beats.s1OnsetsS.every((t) => t >= 0 && t < 5)).toBe(true)
    // A steady infant heart: the CV of its intervals stays under the 0.1 flag.
    expect(beats.irregular).toBe(false)
    expect(JSON.parse(JSON.stringify(beats))).toEqual(beats)
  })
})
