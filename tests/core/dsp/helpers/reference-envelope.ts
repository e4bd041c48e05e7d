/**
 * The heart-sound envelope as it was computed before the decimated fast path (kept verbatim as
 * the reference the fast path is tested against): every step at the input rate, the Hilbert
 * envelope from a full complex FFT pair, filters run section by section with BiquadCascade.
 */
import { BiquadCascade, type SosSections } from '../../../../src/core/dsp/biquad'
import { butterworthBandpass, butterworthLowpass } from '../../../../src/core/dsp/butterworth'
import { PCG_ENVELOPE_DEFAULTS, standardise, type PcgEnvelopeOptions } from '../../../../src/core/dsp/envelope'
import { fftInPlace, nextPowerOfTwo } from '../../../../src/core/dsp/fft'

export function referenceFiltfilt(sections: SosSections, x: Float32Array): Float32Array {
  const n = x.length
  if (n === 0) return new Float32Array(0)
  const padLength = Math.min(n - 1, 3 * (2 * sections.length + 1))
  const extended = new Float64Array(n + 2 * padLength)
  const first = x[0]!
  const last = x[n - 1]!
  for (let i = 0; i < padLength; i++) {
    extended[i] = 2 * first - x[padLength - i]!
    extended[padLength + n + i] = 2 * last - x[n - 2 - i]!
  }
  for (let i = 0; i < n; i++) extended[padLength + i] = x[i]!
  const cascade = new BiquadCascade(sections)
  cascade.settle(extended[0]!)
  cascade.processInPlace(extended)
  extended.reverse()
  cascade.settle(extended[0]!)
  cascade.processInPlace(extended)
  extended.reverse()
  return Float32Array.from(extended.subarray(padLength, padLength + n))
}

export function referenceAnalyticAmplitude(x: Float32Array): Float32Array {
  const n = x.length
  const out = new Float32Array(n)
  if (n === 0) return out
  const size = nextPowerOfTwo(n)
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  for (let i = 0; i < n; i++) re[i] = x[i]!
  fftInPlace(re, im)
  const half = size / 2
  for (let k = 1; k < half; k++) {
    re[k] = re[k]! * 2
    im[k] = im[k]! * 2
  }
  for (let k = half + 1; k < size; k++) {
    re[k] = 0
    im[k] = 0
  }
  fftInPlace(re, im, true)
  for (let i = 0; i < n; i++) out[i] = Math.hypot(re[i]!, im[i]!)
  return out
}

export function referencePcgEnvelope(samples: Float32Array, sampleRateHz: number, options: PcgEnvelopeOptions = {}): Float32Array {
  const o = { ...PCG_ENVELOPE_DEFAULTS, ...options }
  const envelopeRateHz = o.envelopeRateHz
  const outLength = Math.floor(((samples.length - 1) * envelopeRateHz) / sampleRateHz) + 1
  const band = referenceFiltfilt(butterworthBandpass(o.bandOrder, o.bandLowHz, o.bandHighHz, sampleRateHz), samples)
  const amplitude = referenceAnalyticAmplitude(band)
  if (o.method === 'homomorphic') for (let i = 0; i < amplitude.length; i++) amplitude[i] = Math.log(Math.max(amplitude[i]!, 1e-10))
  let smooth = referenceFiltfilt(butterworthLowpass(1, o.lowpassHz, sampleRateHz), amplitude)
  const antiAliasHz = 0.4 * envelopeRateHz
  if (antiAliasHz < sampleRateHz / 2) smooth = referenceFiltfilt(butterworthLowpass(4, antiAliasHz, sampleRateHz), smooth)
  if (o.method === 'homomorphic') for (let i = 0; i < smooth.length; i++) smooth[i] = Math.exp(smooth[i]!)
  const envelope = new Float32Array(outLength)
  const step = sampleRateHz / envelopeRateHz
  for (let j = 0; j < outLength; j++) {
    const position = j * step
    const i = Math.floor(position)
    const frac = position - i
    const next = i + 1 < smooth.length ? smooth[i + 1]! : smooth[i]!
    envelope[j] = smooth[i]! + frac * (next - smooth[i]!)
  }
  return standardise(envelope)
}
