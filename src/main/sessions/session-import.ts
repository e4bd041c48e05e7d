/**
 * A WAV from anywhere (another stethoscope's app, a dataset, an e-mail) becomes a library session
 * to analyse and annotate: decoded by our WAV reader (any rate and sample format it accepts,
 * several channels mixed to mono), written by the session recorder like a live recording, so every
 * library feature (overview, ranged reads, export) works on it unchanged. Its S1/S2 and HR are
 * detected when it is opened (session-beats.ts), never stored as annotations.
 */
import { basename } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import { SESSION_LOCATIONS, type SessionLocation, type SessionMeta } from '../../core/sessions/session-schema'
import { decodeWav, downmixToMono } from '../../core/wav/wav-reader'
import { SessionRecorder } from './session-recorder'

/** The session schema's limit (a recorder writes float32 at the source's rate). */
const MAX_SESSION_RATE_HZ = 384_000

/** `…_MV.wav` (CirCor naming) says the site. */
function siteFromName(fileName: string): SessionLocation {
  const match = /_(AV|PV|TV|MV)(?:_\d+)?\.wav$/i.exec(fileName)
  const site = match?.[1]?.toUpperCase()
  return site !== undefined && (SESSION_LOCATIONS as readonly string[]).includes(site) ? (site as SessionLocation) : 'other'
}

export function importWavSession(dataDir: string, bytes: Uint8Array, fileName: string, now: Date = new Date()): SessionMeta {
  const name = basename(fileName)
  const wav = decodeWav(bytes, name)
  if (wav.frames === 0) throw new InvalidArgumentError(`${name}: the WAV holds no audio`)
  if (wav.sampleRateHz > MAX_SESSION_RATE_HZ) {
    throw new InvalidArgumentError(`${name}: sample rate ${wav.sampleRateHz} Hz is above the ${MAX_SESSION_RATE_HZ} Hz a session can hold`)
  }
  const samples = downmixToMono(wav)
  const patientMatch = /^(\d+)_(AV|PV|TV|MV)/i.exec(name)
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz: wav.sampleRateHz,
    location: siteFromName(name),
    ...(patientMatch ? { patient: { id: patientMatch[1] as string } } : {}),
    device: { id: 'import', name: `Imported file ${name}` },
    modelId: null,
    notes: '',
    startedAt: now,
  })
  // A second at a time: the recorder's write path, with no whole-file copy.
  for (let start = 0; start < samples.length; start += wav.sampleRateHz) {
    recorder.appendAudio({
      samples: samples.subarray(start, start + wav.sampleRateHz),
      sampleRateHz: wav.sampleRateHz,
      firstSampleIndex: start,
    })
  }
  return recorder.stop(`Imported from ${name}${wav.channelData.length > 1 ? ` (${wav.channelData.length} channels mixed to mono)` : ''}`)
}
