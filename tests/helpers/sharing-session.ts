/**
 * A session to share: 8 s of a real CirCor recording (samples/68303_AV.wav, 16-bit, so exact in
 * DICOM's 16-bit PCM), an HR trace with a withheld window and a layer list, a span, a marker and
 * a patient with a non-ASCII name; `scale` makes samples 16-bit PCM cannot hold (float path).
 */
import { join } from 'node:path'
import type { SessionForDicom } from '../../src/core/dicom/session-dicom'
import { readWavMono } from '../../src/main/io/wav-file'

const ROOT = join(__dirname, '../..')

export function sharingSession(options: { scale?: number; location?: 'AV' | 'other' } = {}): SessionForDicom {
  const wav = readWavMono(join(ROOT, 'samples', '68303_AV.wav'))
  const frames = wav.sampleRateHz * 8
  const samples = wav.samples.slice(0, frames)
  if (options.scale !== undefined) for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] as number) * options.scale
  const location = options.location ?? 'AV'
  return {
    meta: {
      schemaVersion: 1,
      id: '20261203T101502Z-a1b2c3',
      status: 'complete',
      startedAt: '2026-12-03T10:15:02.250Z',
      endedAt: '2026-12-03T10:15:10.250Z',
      patient: { id: 'MRN-0042', name: 'Zoë Ångström', ageGroup: 'child', sex: 'female' },
      location,
      ...(location === 'other' ? { locationDetail: 'left axilla' } : {}),
      device: { id: 'serial:/dev/ttyACM0', name: 'Eko CORE 500' },
      sampleRateHz: wav.sampleRateHz,
      modelId: 'ausculta-encoder-2.0.0',
      audio: { file: 'audio.wav', sampleFormat: 'float32', channels: 1, frames, durationS: frames / wav.sampleRateHz },
      hrSummary: { windows: 3, minBpm: 71.25, maxBpm: 74.12345678901234, meanBpm: 72.5 },
      notes: 'Soft systolic murmur at the left sternal border; re-check in 2 weeks.',
      repairs: [],
    },
    samples,
    trace: [
      {
        timeS: 5,
        hrBpm: 71.25,
        confidence: 0.91,
        layers: [{ index: 3, hrBpm: 71.1, confidence: 0.8 }],
        classicalHrBpm: 70.9,
        classicalQuality: 0.7,
      },
      { timeS: 6, hrBpm: null, confidence: 0.2, layers: [], classicalHrBpm: null, classicalQuality: 0.1 },
      { timeS: 7.000244140625, hrBpm: 74.12345678901234, confidence: 0.88, layers: [], classicalHrBpm: 73, classicalQuality: 0.66 },
      { timeS: 8, hrBpm: 72.125, confidence: 0.95, layers: [], classicalHrBpm: null, classicalQuality: 0.5 },
    ],
    annotations: {
      schemaVersion: 1,
      items: [
        { kind: 'span', id: 'a1', spanKind: 'murmur', startS: 1.25, endS: 1.5, label: 'murmur', note: 'holosystolic' },
        { kind: 'marker', id: 'a2', timeS: 3.5, label: 'cough', note: '' },
      ],
    },
  }
}
