import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importCircorTsv, exportCircorTsv } from '../../../src/core/sessions/circor-tsv'
import { beatsFromAudio, beatsFromTrace, mergeOnsets, segmentationFromOnsets } from '../../../src/core/sessions/session-beats'
import { decodeWav, downmixToMono } from '../../../src/core/wav/wav-reader'

const ROOT = join(__dirname, '../../..')

describe('session beats', () => {
  it('merges the same sound seen by overlapping windows into one onset', () => {
    expect(
      mergeOnsets([
        [1.0, 2.0],
        [1.01, 2.02, 3.0],
        [0.99, 3.01],
      ]),
    ).toEqual([1.0, 2.02, 3.01])
  })

  it('reads the onsets the monitor wrote into the trace, and says when there are none', () => {
    const entry = { confidence: 1, layers: [], classicalHrBpm: null, classicalQuality: 0 }
    const recorded = beatsFromTrace([
      { ...entry, timeS: 5, hrBpm: 70, s1OnsetsS: [1, 2], s2OnsetsS: [1.3, 2.3] },
      { ...entry, timeS: 6, hrBpm: 71, s1OnsetsS: [2.01, 3], s2OnsetsS: [2.3, 3.3] },
    ])
    expect(recorded).toEqual({
      source: 'recorded',
      s1OnsetsS: [1, 2.01, 3],
      s2OnsetsS: [1.3, 2.3, 3.3],
      hr: [
        { timeS: 5, hrBpm: 70 },
        { timeS: 6, hrBpm: 71 },
      ],
    })
    expect(beatsFromTrace([{ ...entry, timeS: 5, hrBpm: null }]).source).toBe('none')
  })

  it('builds a CirCor cycle (S1, systole, S2, diastole) from onsets, sounds cut at half the gap', () => {
    const spans = segmentationFromOnsets([1, 2], [1.3, 2.15])
    expect(spans.map((s) => [s.spanKind, Number(s.startS.toFixed(3)), Number(s.endS.toFixed(3))])).toEqual([
      ['S1', 1, 1.12],
      ['systole', 1.12, 1.3],
      ['S2', 1.3, 1.4],
      ['diastole', 1.4, 2],
      ['S1', 2, 2.075],
      ['systole', 2.075, 2.15],
      ['S2', 2.15, 2.25],
    ])
    expect(spans.every((s) => s.note === 'detected')).toBe(true)
  })

  it('finds the beats of a real recording with the envelope detector, near its CirCor annotation', () => {
    const wav = decodeWav(readFileSync(join(ROOT, 'samples/50238_MV.wav')), '50238_MV.wav')
    const samples = downmixToMono(wav)
    const beats = beatsFromAudio(samples, wav.sampleRateHz)
    expect(beats.source).toBe('envelope')
    const reference = importCircorTsv(readFileSync(join(ROOT, 'samples/50238_MV.tsv'), 'utf8'), 'tsv').spans.filter(
      (s) => s.spanKind === 'S1',
    )
    // Most annotated S1 onsets have a detected one within 100 ms (the envelope detector's S1 F1 is 0.91: models/BEATS.md).
    const hits = reference.filter((r) => beats.s1OnsetsS.some((t) => Math.abs(t - r.startS) < 0.1)).length
    expect(hits / reference.length).toBeGreaterThan(0.7)
    expect(beats.s1OnsetsS.length).toBeLessThan(reference.length * 1.3)
    // Its CirCor segmentation is a valid .tsv that reads back.
    const tsv = exportCircorTsv(
      { schemaVersion: 1, items: segmentationFromOnsets(beats.s1OnsetsS, beats.s2OnsetsS) },
      wav.frames / wav.sampleRateHz,
    )
    const back = importCircorTsv(tsv.text, 'detected.tsv')
    expect(back.warnings).toEqual([])
    expect(back.spans.filter((s) => s.spanKind === 'S1')).toHaveLength(beats.s1OnsetsS.length)
    expect(beats.hr.some((p) => p.hrBpm !== null)).toBe(true)
  })
})
