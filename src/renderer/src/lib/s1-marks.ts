/**
 * Where to draw S1 marks on the strip chart. Heart sounds repeat at the beat period P (from the
 * HR the monitor reports), so the S1s and the S2s each form a comb of spacing P in the amplitude
 * envelope. We find the two strongest combs, then decide which is S1 with two independent cues:
 * timing (systole, S1→S2, is usually shorter than diastole) and pitch (S1 is lower: less
 * diaphragm-band energy relative to the bell band than S2). Marks are drawn only when both cues
 * agree. On every second recording of the CirCor development set (495 recordings, 413 8-s
 * stretches of annotated audio) each cue alone picked S1 correctly in ~89 % of stretches; when
 * they agree (83 % of stretches) they are right in 97 %. A display aid, not a measurement: the
 * HR itself comes from the model.
 */
import { createListeningFilter } from '../../../core/dsp/listening-filters'

/** Envelope bins per second: 5-ms bins resolve heart sounds (~100 ms long) comfortably. */
export const ENVELOPE_RATE_HZ = 200

/** Max-abs envelope at ENVELOPE_RATE_HZ, then a ±20-ms moving average that merges the split components (M1/T1, A2/P2) of one sound. */
export function soundEnvelope(x: Float32Array, sampleRateHz: number): Float32Array {
  const bin = Math.max(1, Math.round(sampleRateHz / ENVELOPE_RATE_HZ))
  const peaks = new Float32Array(Math.floor(x.length / bin))
  for (let b = 0; b < peaks.length; b++) {
    let peak = 0
    for (let i = b * bin; i < (b + 1) * bin; i++) peak = Math.max(peak, Math.abs(x[i]!))
    peaks[b] = peak
  }
  const half = 4
  const out = new Float32Array(peaks.length)
  for (let i = 0; i < peaks.length; i++) {
    let sum = 0
    let n = 0
    for (let j = Math.max(0, i - half); j <= Math.min(peaks.length - 1, i + half); j++) {
      sum += peaks[j]!
      n++
    }
    out[i] = sum / n
  }
  return out
}

interface Comb {
  score: number
  /** Envelope bins of each tooth's local maximum. */
  teeth: number[]
}

/** The envelope's local maxima (±tolerance) at phase, phase + P, phase + 2P, …, and their mean. */
function combAt(envelope: Float32Array, phase: number, period: number, tolerance: number): Comb {
  const teeth: number[] = []
  let sum = 0
  for (let centre = phase; centre < envelope.length; centre += period) {
    let at = -1
    for (let i = Math.max(0, Math.round(centre - tolerance)); i <= Math.min(envelope.length - 1, Math.round(centre + tolerance)); i++) {
      if (at < 0 || envelope[i]! > envelope[at]!) at = i
    }
    if (at < 0) continue
    teeth.push(at)
    sum += envelope[at]!
  }
  return { score: teeth.length > 0 ? sum / teeth.length : 0, teeth }
}

/**
 * Sample offsets (into `samples`) of S1 sounds. `samples` is unfiltered mono audio; `hrBpm` sets
 * the comb spacing. Without an HR, with less than two beats of signal or when the cues disagree,
 * there are no marks rather than guessed ones.
 */
export function findS1Marks(samples: Float32Array, sampleRateHz: number, hrBpm: number | null): number[] {
  if (hrBpm === null || !(hrBpm >= 25 && hrBpm <= 300)) return []
  const period = (60 / hrBpm) * ENVELOPE_RATE_HZ
  const bandEnvelope = (mode: 'wide' | 'bell' | 'diaphragm'): Float32Array => soundEnvelope(createListeningFilter(mode, sampleRateHz).process(samples), sampleRateHz)
  const wide = bandEnvelope('wide')
  if (wide.length < 2 * period) return []
  // Compress loud clicks so one artefact cannot outweigh a whole comb of beats.
  const sorted = Array.from(wide).sort((a, b) => a - b)
  const reference = sorted[Math.floor(sorted.length * 0.95)] ?? 0
  if (!(reference > 0)) return []
  for (let i = 0; i < wide.length; i++) wide[i] = Math.min(wide[i]! / reference, 1.5)

  // Teeth may drift ±8 % of a period from the comb: normal sinus variability over a few beats.
  const tolerance = Math.max(3, 0.08 * period)
  const scores: number[] = []
  for (let phase = 0; phase < period; phase++) scores.push(combAt(wide, phase, period, tolerance).score)
  const best = scores.indexOf(Math.max(...scores))
  // The other sound's comb: the best phase at least 20 % of a period away (systole is ≥ ~25 % of the cycle).
  let second = -1
  for (let phase = 0; phase < period; phase++) {
    const distance = Math.min(Math.abs(phase - best), period - Math.abs(phase - best))
    if (distance >= 0.2 * period && (second < 0 || scores[phase]! > scores[second]!)) second = phase
  }
  if (second < 0 || scores[second]! < 0.5 * scores[best]!) return []

  const timingSaysBest = (second - best + period) % period < period / 2
  const bell = bandEnvelope('bell')
  const diaphragm = bandEnvelope('diaphragm')
  const pitch = (comb: Comb): number => comb.teeth.reduce((sum, t) => sum + (diaphragm[t]! + 1e-9) / (bell[t]! + 1e-9), 0) / comb.teeth.length
  const bestComb = combAt(wide, best, period, tolerance)
  const secondComb = combAt(wide, second, period, tolerance)
  const pitchSaysBest = pitch(bestComb) < pitch(secondComb)
  if (timingSaysBest !== pitchSaysBest) return []

  const s1 = timingSaysBest ? bestComb : secondComb
  const binSamples = sampleRateHz / ENVELOPE_RATE_HZ
  // A tooth with no sound under it (a pause, a dropped beat) gets no mark.
  return s1.teeth.filter((t) => wide[t]! > 0.25).map((t) => Math.round(t * binSamples))
}
