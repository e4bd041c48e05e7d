/**
 * Records a real CirCor recording into a session as the monitor engine would (chunks plus one
 * window event per protocol window, its HR being the reference label of that window), fast.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { labelledWindows, protocolWindows } from '../../../../src/core/circor/protocol-windows'
import { parseSegmentationTsv } from '../../../../src/core/circor/segmentation-tsv'
import type { HrTraceEntry } from '../../../../src/core/sessions/hr-trace'
import type { Patient, SessionLocation, SessionMeta } from '../../../../src/core/sessions/session-schema'
import { decodeWav } from '../../../../src/core/wav/wav-reader'
import { SessionRecorder } from '../../../../src/main/sessions/session-recorder'

/** The CirCor recordings in the repository (byte-identical to the release, with their .tsv). */
export const CIRCOR_DIR = join(__dirname, '../../../../samples')
export const CIRCOR_ATTRIBUTION =
  'Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022, PhysioNet, ' +
  'doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.'

export function loadCircor(name: string): { samples: Float32Array; sampleRateHz: number; tsv: string; trace: HrTraceEntry[] } {
  const audio = decodeWav(readFileSync(join(CIRCOR_DIR, `${name}.wav`)), `${name}.wav`)
  const tsv = readFileSync(join(CIRCOR_DIR, `${name}.tsv`), 'utf8')
  const durationS = audio.frames / audio.sampleRateHz
  const windows = labelledWindows(protocolWindows(parseSegmentationTsv(tsv, `${name}.tsv`).rows, durationS))
  const trace = windows.map((w) => ({
    timeS: w.startS + 5,
    hrBpm: w.hrBpm,
    confidence: 0.9,
    layers: [{ index: 0, hrBpm: w.hrBpm + 1, confidence: 0.5 }],
    classicalHrBpm: w.hrBpm - 1,
    classicalQuality: 0.7,
  }))
  return { samples: audio.channelData[0] as Float32Array, sampleRateHz: audio.sampleRateHz, tsv, trace }
}

export interface RecordOptions {
  location?: SessionLocation
  patient?: Patient
  visitId?: string
  startedAt?: Date
  notes?: string
  /** Chunk length in samples; odd sizes exercise the byte bookkeeping. */
  chunkFrames?: number
}

export function recordCircor(
  dataDir: string,
  name: string,
  options: RecordOptions = {},
): { meta: SessionMeta; dir: string; samples: Float32Array } {
  const { samples, sampleRateHz, trace } = loadCircor(name)
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz,
    location: options.location ?? (name.split('_')[1] as SessionLocation),
    patient: options.patient ?? { id: name.split('_')[0] as string },
    device: { id: 'demo', name: `demo: ${name}.wav` },
    modelId: 'test-model',
    attribution: CIRCOR_ATTRIBUTION,
    ...(options.visitId === undefined ? {} : { visitId: options.visitId }),
    ...(options.startedAt === undefined ? {} : { startedAt: options.startedAt }),
    ...(options.notes === undefined ? {} : { notes: options.notes }),
  })
  const chunk = options.chunkFrames ?? 1000
  let nextEvent = 0
  for (let at = 0; at < samples.length; at += chunk) {
    recorder.appendAudio({ samples: samples.subarray(at, at + chunk), sampleRateHz, firstSampleIndex: at })
    const nowS = Math.min(samples.length, at + chunk) / sampleRateHz
    while (nextEvent < trace.length && (trace[nextEvent] as HrTraceEntry).timeS <= nowS)
      recorder.appendWindowEvent(trace[nextEvent++] as HrTraceEntry)
  }
  const meta = recorder.stop()
  return { meta, dir: recorder.dir, samples }
}
