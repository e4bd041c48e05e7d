/**
 * How well a text query finds murmurs (issue 18): every recording of the chosen CirCor patients is
 * embedded as the app stores a session (embed-audio.ts), ranked by the query as the library ranks
 * sessions (rank.ts), and the ranking is scored against CirCor's murmur labels:
 *
 * - per location (AV, PV, TV, MV) and all locations pooled: positives are recordings at a place the
 *   annotators heard the murmur (`Murmur: Present` and the place in `Murmur locations`), negatives
 *   recordings of `Murmur: Absent` patients; recordings of a murmur patient at a place where it was
 *   not heard, and `Unknown` patients, are left out (neither label is sure);
 * - per patient: a patient's score is the best of their recordings' scores; Present vs Absent.
 *
 * AUROC 0.5 is chance. The split is the model card's (patients the model never trained on).
 */
import { auroc } from '../../core/metrics/auroc'
import type { WindowEmbeddings } from '../../core/search/embedding-file'
import { matchRecording, windowSimilarities } from '../../core/search/rank'
import { resample } from '../../core/dsp/resample'
import type { CircorRecording } from '../data/circor-folder'
import { EXAM_POINTS } from '../../core/sessions/session-schema'
import { readWavMono } from '../io/wav-file'
import type { EncoderModel } from '../model/encoder-model'
import type { TextEncoderModel } from '../model/text-query'
import { embedAudio, samplesReader } from './embed-audio'

export const MURMUR_LOCATIONS = EXAM_POINTS

/** The query the report leads with: the words of a training caption of a murmur. */
export const DEFAULT_MURMUR_QUERY = 'systolic murmur'

export type MurmurLabel = 'present' | 'absent' | 'not-here' | 'unknown'

export interface EmbeddedRecording {
  recordingId: string
  patientId: string
  location: string
  label: MurmurLabel
  embeddings: WindowEmbeddings
}

/** The murmur label of one recording from its patient's CirCor fields. */
export function recordingMurmurLabel(recording: CircorRecording): MurmurLabel {
  const status = recording.patient.murmur
  if (status === 'Absent') return 'absent'
  if (status !== 'Present') return 'unknown'
  const heard = (recording.patient.fields['Murmur locations'] ?? '').split('+').map((place) => place.trim())
  return heard.includes(recording.location) ? 'present' : 'not-here'
}

export async function embedCircorRecording(model: EncoderModel, recording: CircorRecording): Promise<EmbeddedRecording> {
  const rateHz = model.card.input.sampleRateHz
  const audio = readWavMono(recording.wavPath)
  const samples = audio.sampleRateHz === rateHz ? audio.samples : resample(audio.samples, audio.sampleRateHz, rateHz)
  return {
    recordingId: recording.recordingId,
    patientId: recording.patientId,
    location: recording.location,
    label: recordingMurmurLabel(recording),
    embeddings: await embedAudio(model, samplesReader(samples)),
  }
}

export interface AurocRow {
  group: string
  positives: number
  negatives: number
  /** null when one side is empty. */
  auroc: number | null
}

export interface MurmurQueryResult {
  query: string
  unknownWords: string[]
  rows: AurocRow[]
  /** Each recording's score, for listing and checks. */
  scores: Array<{ recordingId: string; patientId: string; location: string; label: MurmurLabel; score: number }>
}

function row(group: string, positives: number[], negatives: number[]): AurocRow {
  return {
    group,
    positives: positives.length,
    negatives: negatives.length,
    auroc: positives.length > 0 && negatives.length > 0 ? auroc(positives, negatives) : null,
  }
}

export async function scoreMurmurQuery(
  text: TextEncoderModel,
  query: string,
  recordings: readonly EmbeddedRecording[],
): Promise<MurmurQueryResult> {
  const [queryEmbedding] = await text.embed([query])
  const scores = recordings.map((recording) => {
    const match = matchRecording(recording.embeddings, windowSimilarities(recording.embeddings, queryEmbedding as Float32Array))
    return {
      recordingId: recording.recordingId,
      patientId: recording.patientId,
      location: recording.location,
      label: recording.label,
      score: match?.score ?? -1,
    }
  })
  const rows: AurocRow[] = []
  for (const location of [...MURMUR_LOCATIONS, 'all']) {
    const here = scores.filter((s) => location === 'all' || s.location === location)
    rows.push(
      row(
        location === 'all' ? 'recordings, all locations' : location,
        here.filter((s) => s.label === 'present').map((s) => s.score),
        here.filter((s) => s.label === 'absent').map((s) => s.score),
      ),
    )
  }
  const patients = new Map<string, { present: boolean | null; best: number }>()
  for (const s of scores) {
    const status = s.label === 'present' || s.label === 'not-here' ? true : s.label === 'absent' ? false : null
    const previous = patients.get(s.patientId)
    patients.set(s.patientId, { present: status, best: Math.max(previous?.best ?? -Infinity, s.score) })
  }
  const patientList = [...patients.values()]
  rows.push(
    row(
      'patients (best recording)',
      patientList.filter((p) => p.present === true).map((p) => p.best),
      patientList.filter((p) => p.present === false).map((p) => p.best),
    ),
  )
  return { query, unknownWords: text.tokenizer.unknownWords(query), rows, scores }
}
