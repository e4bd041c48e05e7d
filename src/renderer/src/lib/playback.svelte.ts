import { timeStretch } from '../../../core/dsp/time-stretch'
import { filterForPlayback, type PlaybackFilter } from './playback-filter'

export const PLAYBACK_SPEEDS = [0.5, 1, 2] as const
export type PlaybackSpeed = (typeof PLAYBACK_SPEEDS)[number]

/**
 * Playback of a session through Web Audio, with a listening filter (bell, diaphragm, wide or
 * off: the live screen's bands), a gain stage (heart sounds are quiet: users asked for
 * amplification), half or double speed without changing pitch (WSOLA; slow playback is how
 * murmurs are studied) and a cursor position, in recording time, read from the audio clock.
 * The filter runs before the time-stretch, on the recording's own time line.
 */
export class Playback {
  playing = $state(false)
  positionS = $state(0)
  gain = $state(4)
  speed = $state<PlaybackSpeed>(1)
  /** Off by default: the recording as captured, as before the filters were offered here. */
  filter = $state<PlaybackFilter>('off')
  private samples: Float32Array = new Float32Array(0)
  /** `samples` through `filter`, kept so a speed change does not filter again. */
  private filtered: Float32Array = new Float32Array(0)
  private sampleRateHz = 4000
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
    this.samples = samples
    this.sampleRateHz = sampleRateHz
    this.filtered = filterForPlayback(samples, sampleRateHz, this.filter)
    this.render()
  }

  /** The buffer actually played: the filtered recording stretched to 1 / speed of its duration. */
  private render(): void {
    this.context ??= new AudioContext()
    const audio = this.speed === 1 ? this.filtered : timeStretch(this.filtered, this.sampleRateHz, this.speed)
    // Web Audio resamples to the output rate itself; 3 kHz … 768 kHz buffers are allowed.
    this.buffer = this.context.createBuffer(1, Math.max(1, audio.length), this.sampleRateHz)
    this.buffer.copyToChannel(audio as Float32Array<ArrayBuffer>, 0)
  }

  setSpeed(speed: PlaybackSpeed): void {
    if (speed === this.speed) return
    const wasPlaying = this.playing
    this.pause()
    this.speed = speed
    if (this.samples.length > 0) this.render()
    if (wasPlaying) this.play()
  }

  setFilter(filter: PlaybackFilter): void {
    if (filter === this.filter) return
    const wasPlaying = this.playing
    this.pause()
    this.filter = filter
    if (this.samples.length > 0) {
      this.filtered = filterForPlayback(this.samples, this.sampleRateHz, filter)
      this.render()
    }
    if (wasPlaying) this.play()
  }

  /** Duration of the recording (not of the stretched buffer). */
  get durationS(): number {
    return this.samples.length / this.sampleRateHz
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
    node.start(0, Math.min(this.buffer.duration, from / this.speed))
    node.onended = () => {
      if (this.node === node) this.finish()
    }
    this.node = node
    this.startedAtContextS = this.context.currentTime
    this.startedFromS = from
    this.playing = true
    const tick = (): void => {
      if (!this.playing || !this.context) return
      this.positionS = Math.min(this.durationS, this.startedFromS + (this.context.currentTime - this.startedAtContextS) * this.speed)
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
