/**
 * Live listening: the incoming heart sound, through the selected listening filter and a gain
 * stage (heart sounds are quiet), to the computer's audio output (headphones). Chunks are queued
 * back to back on the audio clock ~150 ms ahead, enough to ride out the 100-ms chunk cadence.
 */
import type { BiquadCascade } from '../../../core/dsp/biquad'
import { createListeningFilter, type ListeningFilterMode } from '../../../core/dsp/listening-filters'

/** Output lead: chunks arrive every ~100 ms, so 150 ms of queue avoids gaps without a noticeable delay. */
const LEAD_S = 0.15

export class LiveListener {
  private context: AudioContext | null = null
  private gainNode: GainNode | null = null
  private filter: BiquadCascade | null = null
  private filterRateHz = 0
  private nextStartS = 0

  constructor(
    private mode: ListeningFilterMode,
    private gain: number,
  ) {}

  start(): void {
    if (this.context) return
    this.context = new AudioContext({ latencyHint: 'interactive' })
    this.gainNode = this.context.createGain()
    this.gainNode.gain.value = this.gain
    this.gainNode.connect(this.context.destination)
    this.nextStartS = 0
  }

  stop(): void {
    void this.context?.close()
    this.context = null
    this.gainNode = null
  }

  get active(): boolean {
    return this.context !== null
  }

  setMode(mode: ListeningFilterMode): void {
    this.mode = mode
    this.filter = null
  }

  setGain(gain: number): void {
    this.gain = gain
    if (this.gainNode) this.gainNode.gain.value = gain
  }

  push(samples: readonly number[], sampleRateHz: number): void {
    const context = this.context
    const gainNode = this.gainNode
    if (!context || !gainNode || samples.length === 0) return
    if (!this.filter || this.filterRateHz !== sampleRateHz) {
      this.filter = createListeningFilter(this.mode, sampleRateHz)
      this.filterRateHz = sampleRateHz
    }
    const chunk = Float32Array.from(samples)
    this.filter.processInPlace(chunk)
    const buffer = context.createBuffer(1, chunk.length, sampleRateHz)
    buffer.copyToChannel(chunk, 0)
    const node = context.createBufferSource()
    node.buffer = buffer
    node.connect(gainNode)
    // Behind the clock (first chunk, or the page was throttled): restart the queue LEAD_S ahead.
    if (this.nextStartS < context.currentTime + 0.02) this.nextStartS = context.currentTime + LEAD_S
    node.start(this.nextStartS)
    this.nextStartS += buffer.duration
  }
}
