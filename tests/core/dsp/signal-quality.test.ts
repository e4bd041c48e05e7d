import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { inputLevel, signalQualityFlags } from '../../../src/core/dsp/signal-quality'
import { readWavMono } from '../../../src/main/io/wav-file'

const RATE = 4000
const sample = (name: string): Float32Array => readWavMono(join(__dirname, '../../../samples', name)).samples

describe('inputLevel', () => {
  it('measures RMS and peak in dBFS on a full-scale sine by hand', () => {
    // A sine of amplitude 0.5: peak 20·log10(0.5) = -6.02 dBFS, RMS 0.5/√2 → -9.03 dBFS.
    const sine = Float32Array.from({ length: RATE }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 100 * i) / RATE))
    const level = inputLevel(sine)
    expect(level.peakDbfs).toBeCloseTo(-6.02, 1)
    expect(level.rmsDbfs).toBeCloseTo(-9.03, 1)
    expect(level.clippedShare).toBe(0)
  })
})

describe('signalQualityFlags', () => {
  it('passes a clean real recording window without flags', () => {
    const window = sample('50238_MV.wav').subarray(10 * RATE, 15 * RATE)
    expect(signalQualityFlags(window, RATE)).toEqual([])
  })

  it('flags digital silence', () => {
    expect(signalQualityFlags(new Float32Array(5 * RATE), RATE)).toEqual(['silence'])
  })

  it('flags clipping when a real recording is overdriven 40 dB', () => {
    const loud = sample('50238_MV.wav')
      .subarray(10 * RATE, 15 * RATE)
      .map((x) => Math.max(-1, Math.min(1, x * 100)))
    expect(signalQualityFlags(loud, RATE)).toContain('clipping')
  })

  it('flags lost contact when the last 2 s of a real window go quiet', () => {
    const window = sample('50238_MV.wav').slice(10 * RATE, 15 * RATE)
    window.fill(0, 3 * RATE)
    expect(signalQualityFlags(window, RATE)).toContain('contact-lost')
  })

  it('flags a handling burst 40 dB above the heart sounds', () => {
    const window = sample('50238_MV.wav').slice(10 * RATE, 15 * RATE)
    for (let i = 2 * RATE; i < 2.2 * RATE; i++) window[i] = (window[i] as number) * 100
    expect(signalQualityFlags(window, RATE)).toContain('noise')
  })
})
