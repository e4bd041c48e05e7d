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
import { mulberry32 } from '../../core/mulberry32'

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
  /** 95 % interval from resampling patients (with replacement, 2,000 rounds, fixed seed); null when one side is empty. */
  ci95: [number, number] | null
}

type ScoredRecording = MurmurQueryResult['scores'][number]

export interface MurmurQueryResult {
  query: string
  unknownWords: string[]
  rows: AurocRow[]
  /** Each recording's score, for listing and checks. */
  scores: Array<{ recordingId: string; patientId: string; location: string; label: MurmurLabel; score: number }>
}

/** A group's positives and negatives among some recordings (patients' rows repeated as a bootstrap draws them). */
type Split = (scores: readonly ScoredRecording[]) => { positives: number[]; negatives: number[] }

function byLocation(location: string | null): Split {
  return (scores) => {
    const here = scores.filter((s) => location === null || s.location === location)
    return {
      positives: here.filter((s) => s.label === 'present').map((s) => s.score),
      negatives: here.filter((s) => s.label === 'absent').map((s) => s.score),
    }
  }
}

/** Patients: the best of their recordings; Present (whether or not heard at that place) vs Absent. */
const byPatient: Split = (scores) => {
  const patients = new Map<string, { present: boolean | null; best: number }>()
  for (const s of scores) {
    // A patient the bootstrap draws twice counts twice: the draw number keeps the copies apart.
    const key = `${s.patientId}#${(s as ScoredRecording & { draw?: number }).draw ?? 0}`
    const status = s.label === 'present' || s.label === 'not-here' ? true : s.label === 'absent' ? false : null
    const previous = patients.get(key)
    patients.set(key, { present: status, best: Math.max(previous?.best ?? -Infinity, s.score) })
  }
  const list = [...patients.values()]
  return {
    positives: list.filter((p) => p.present === true).map((p) => p.best),
    negatives: list.filter((p) => p.present === false).map((p) => p.best),
  }
}

const BOOTSTRAP_ROUNDS = 2000

function bootstrapCi(scores: readonly ScoredRecording[], split: Split): [number, number] | null {
  const byPatientId = new Map<string, ScoredRecording[]>()
  for (const s of scores) byPatientId.set(s.patientId, [...(byPatientId.get(s.patientId) ?? []), s])
  const ids = [...byPatientId.keys()]
  // Seeded, so the intervals are the same on every run.
  const random = mulberry32(18)
  const values: number[] = []
  for (let round = 0; round < BOOTSTRAP_ROUNDS; round++) {
    const drawn: Array<ScoredRecording & { draw: number }> = []
    for (let k = 0; k < ids.length; k++) {
      const id = ids[Math.floor(random() * ids.length)] as string
      for (const s of byPatientId.get(id) as ScoredRecording[]) drawn.push({ ...s, draw: k })
    }
    const { positives, negatives } = split(drawn)
    if (positives.length > 0 && negatives.length > 0) values.push(auroc(positives, negatives))
  }
  if (values.length < BOOTSTRAP_ROUNDS / 2) return null
  values.sort((a, b) => a - b)
  return [
    values[Math.floor(values.length * 0.025)] as number,
    values[Math.min(values.length - 1, Math.floor(values.length * 0.975))] as number,
  ]
}

function row(group: string, scores: readonly ScoredRecording[], split: Split): AurocRow {
  const { positives, negatives } = split(scores)
  const both = positives.length > 0 && negatives.length > 0
  return {
    group,
    positives: positives.length,
    negatives: negatives.length,
    auroc: both ? auroc(positives, negatives) : null,
    ci95: both ? bootstrapCi(scores, split) : null,
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
  const rows: AurocRow[] = [
    ...MURMUR_LOCATIONS.map((location) => row(location, scores, byLocation(location))),
    row('recordings, all locations', scores, byLocation(null)),
    row('patients (best recording)', scores, byPatient),
  ]
  return { query, unknownWords: text.tokenizer.unknownWords(query), rows, scores }
}
