import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSegmentationTsv } from '../../../src/core/circor/segmentation-tsv'
import { labelledWindows, protocolWindows } from '../../../src/core/circor/protocol-windows'
import { analyseWindow } from '../../../src/main/engine/window-analysis'
import { readWavMono } from '../../../src/main/io/wav-file'

const SAMPLES = join(__dirname, '../../../samples')

describe('analyseWindow: beats', () => {
  it('reports S1/S2 onsets (window-relative), intervals and a JSON-safe irregularity', async () => {
    const { samples, sampleRateHz } = readWavMono(join(SAMPLES, '74420_MV.wav'))
    const rows = parseSegmentationTsv(readFileSync(join(SAMPLES, '74420_MV.tsv')), 'tsv').rows
    const window = labelledWindows(protocolWindows(rows, samples.length / sampleRateHz))[0]!
    const first = Math.round(window.startS * sampleRateHz)
    const analysis = await analyseWindow(samples.slice(first, first + 5 * sampleRateHz), sampleRateHz, null)
    const beats = analysis.beats!
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
