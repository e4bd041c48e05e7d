/** Test signals shared by the DSP and audio tests. */

/** `seconds` of a sine at `frequencyHz` sampled at `rateHz` (amplitude 1 unless given; phase in radians). */
export function tone(frequencyHz: number, seconds: number, rateHz: number, amplitude = 1, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * rateHz))
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz + phase)
  return x
}
