/** A valid, complete session.json value shared by the pure session tests. */
import type { SessionMeta } from '../../../src/core/sessions/session-schema'

export const sampleMeta: SessionMeta = {
  schemaVersion: 1,
  id: '20261125T221500Z-abc123',
  status: 'complete',
  startedAt: '2026-11-25T22:15:00.000Z',
  endedAt: '2026-11-25T22:15:20.000Z',
  patient: { id: 'P-17', name: 'Ana Lima', ageGroup: 'child', sex: 'female' },
  location: 'MV',
  device: { id: 'demo', name: 'demo WAV' },
  sampleRateHz: 4000,
  modelId: 'ausculta-clap-1',
  audio: { file: 'audio.wav', sampleFormat: 'float32', channels: 1, frames: 80000, durationS: 20 },
  hrSummary: { windows: 16, minBpm: 88, maxBpm: 97, meanBpm: 92.5 },
  notes: 'soft systolic murmur',
  repairs: [],
}
