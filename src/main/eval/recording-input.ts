/**
 * One CirCor recording made ready for streaming analysis at the model's rate: its samples
 * (resampled by the app's own resampler where the WAV has another rate), its segmentation rows
 * and the window/hop lengths in samples. Shared by `ausculta eval` and the robustness runner.
 */
import { readFileSync } from 'node:fs'
import { PROTOCOL_HOP_S } from '../../core/circor/protocol-windows'
import { parseSegmentationTsv, type SegmentRow } from '../../core/circor/segmentation-tsv'
import { resample } from '../../core/dsp/resample'
import type { CircorRecording } from '../data/circor-folder'
import { readWavMono } from '../io/wav-file'
import type { EncoderModel } from '../model/encoder-model'

/** Without a model: CirCor's rate and the protocol's window. */
const DEFAULT_RATE_HZ = 4000
const DEFAULT_WINDOW_S = 5

export interface RecordingInput {
  rateHz: number
  windowS: number
  windowSamples: number
  hopSamples: number
  samples: Float32Array
  rows: readonly SegmentRow[]
}

export function readRecordingInput(recording: CircorRecording, model: EncoderModel | null): RecordingInput {
  const rateHz = model?.card.input.sampleRateHz ?? DEFAULT_RATE_HZ
  const windowS = model?.card.input.windowSeconds ?? DEFAULT_WINDOW_S
  const audio = readWavMono(recording.wavPath)
  const samples = audio.sampleRateHz === rateHz ? audio.samples : resample(audio.samples, audio.sampleRateHz, rateHz)
  const rows = parseSegmentationTsv(readFileSync(recording.tsvPath), recording.tsvPath).rows
  return { rateHz, windowS, windowSamples: Math.round(windowS * rateHz), hopSamples: Math.round(PROTOCOL_HOP_S * rateHz), samples, rows }
}
