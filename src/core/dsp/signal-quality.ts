/**
 * Signal-quality verdicts for one analysis window: input level, clipping, silence, motion/noise
 * bursts and lost contact. These decide whether a heart rate may be shown at all, so each
 * threshold says why it is that number.
 */
import type { InputLevel, SignalQualityFlag } from '../monitor/monitor-events'

/** Samples at or beyond this magnitude count as clipped (an int16 card saturates at 32767/32768). */
export const CLIP_LEVEL = 0.999
/** Below -60 dBFS RMS a digitised stethoscope signal is the converter's noise floor, not heart sound. */
export const SILENCE_RMS_DBFS = -60
/** More than 0.1 % of samples at full scale is audible crackle and corrupts the envelope. */
export const CLIPPED_SHARE_LIMIT = 0.001
/** Loudest over median 0.25-s energy in a window. Over 829 windows of the CirCor development set
 * the ratio's median is 5, its 90th percentile 66 and its 95th 140: heart sounds are impulsive, so
 * only bursts beyond 100× (handling, rubbing, crying; about the noisiest 7 %) are flagged. */
export const BURST_ENERGY_RATIO = 100
/** The chestpiece lifted off: the last 1.5 s are near-silent while the window before had signal. */
export const CONTACT_LOST_TAIL_SECONDS = 1.5

const toDbfs = (amplitude: number): number => (amplitude > 0 ? 20 * Math.log10(amplitude) : -Infinity)

export function inputLevel(samples: Float32Array): InputLevel {
  let sumSquares = 0
  let peak = 0
  let clipped = 0
  for (let i = 0; i < samples.length; i++) {
    const magnitude = Math.abs(samples[i] as number)
    sumSquares += magnitude * magnitude
    if (magnitude > peak) peak = magnitude
    if (magnitude >= CLIP_LEVEL) clipped++
  }
  const rms = samples.length > 0 ? Math.sqrt(sumSquares / samples.length) : 0
  return {
    rmsDbfs: Math.max(-120, toDbfs(rms)),
    peakDbfs: Math.max(-120, toDbfs(peak)),
    clippedShare: samples.length > 0 ? clipped / samples.length : 0,
  }
}

function segmentEnergies(samples: Float32Array, segmentLength: number): number[] {
  const energies: number[] = []
  for (let start = 0; start + segmentLength <= samples.length; start += segmentLength) {
    let sum = 0
    for (let i = start; i < start + segmentLength; i++) sum += (samples[i] as number) ** 2
    energies.push(sum / segmentLength)
  }
  return energies
}

export function signalQualityFlags(
  samples: Float32Array,
  sampleRateHz: number,
  level: InputLevel = inputLevel(samples),
): SignalQualityFlag[] {
  const flags: SignalQualityFlag[] = []
  if (level.rmsDbfs < SILENCE_RMS_DBFS) return ['silence']
  if (level.clippedShare > CLIPPED_SHARE_LIMIT) flags.push('clipping')
  const tailLength = Math.round(CONTACT_LOST_TAIL_SECONDS * sampleRateHz)
  if (samples.length > 2 * tailLength) {
    const tail = inputLevel(samples.subarray(samples.length - tailLength))
    if (tail.rmsDbfs < SILENCE_RMS_DBFS) flags.push('contact-lost')
  }
  const energies = segmentEnergies(samples, Math.max(1, Math.round(0.25 * sampleRateHz))).sort((a, b) => a - b)
  if (energies.length >= 8) {
    const median = energies[Math.floor(energies.length / 2)] as number
    const loudest = energies[energies.length - 1] as number
    if (median > 0 && loudest / median > BURST_ENERGY_RATIO) flags.push('noise')
  }
  return flags
}
