/**
 * Playback of a session through Web Audio, with a gain stage (heart sounds are quiet: users asked
 * for amplification) and a cursor position read from the audio clock.
 */
export class Playback {
  playing = $state(false)
  positionS = $state(0)
  gain = $state(4)
  private context: AudioContext | null = null
  private buffer: AudioBuffer | null = null
  private node: AudioBufferSourceNode | null = null
  private gainNode: GainNode | null = null
  private startedAtContextS = 0
  private startedFromS = 0
  private frame = 0

  load(samples: Float32Array, sampleRateHz: number): void {
    this.stop()
    this.positionS = 0
    this.context ??= new AudioContext()
    // Web Audio resamples to the output rate itself; 3 kHz … 768 kHz buffers are allowed.
    this.buffer = this.context.createBuffer(1, Math.max(1, samples.length), sampleRateHz)
    this.buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0)
  }

  get durationS(): number {
    return this.buffer?.duration ?? 0
  }

  play(): void {
    if (!this.context || !this.buffer || this.playing) return
    void this.context.resume()
    const node = this.context.createBufferSource()
    node.buffer = this.buffer
    this.gainNode = this.context.createGain()
    this.gainNode.gain.value = this.gain
    node.connect(this.gainNode).connect(this.context.destination)
    const from = this.positionS >= this.durationS - 0.01 ? 0 : this.positionS
    node.start(0, from)
    node.onended = () => {
      if (this.node === node) this.finish()
    }
    this.node = node
    this.startedAtContextS = this.context.currentTime
    this.startedFromS = from
    this.playing = true
    const tick = (): void => {
      if (!this.playing || !this.context) return
      this.positionS = Math.min(this.durationS, this.startedFromS + (this.context.currentTime - this.startedAtContextS))
      this.frame = requestAnimationFrame(tick)
    }
    this.frame = requestAnimationFrame(tick)
  }

  private finish(): void {
    this.playing = false
    this.node = null
    cancelAnimationFrame(this.frame)
    this.positionS = this.durationS
  }

  pause(): void {
    if (!this.playing) return
    const node = this.node
    this.node = null
    this.playing = false
    cancelAnimationFrame(this.frame)
    node?.stop()
  }

  stop(): void {
    this.pause()
  }

  toggle(): void {
    if (this.playing) this.pause()
    else this.play()
  }

  seek(timeS: number): void {
    const wasPlaying = this.playing
    this.pause()
    this.positionS = Math.max(0, Math.min(this.durationS, timeS))
    if (wasPlaying) this.play()
  }

  setGain(gain: number): void {
    this.gain = gain
    if (this.gainNode) this.gainNode.gain.value = gain
  }

  dispose(): void {
    this.stop()
    void this.context?.close()
    this.context = null
  }
}
