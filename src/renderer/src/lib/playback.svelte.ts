import { timeStretch } from '../../../core/dsp/time-stretch'
import { filterForPlayback, type PlaybackFilter } from './playback-filter'
import { limitForPlayback, PLAYBACK_GAIN_DEFAULT } from './playback-limiter'

export const PLAYBACK_SPEEDS = [0.5, 1, 2] as const
export type PlaybackSpeed = (typeof PLAYBACK_SPEEDS)[number]

/**
 * Every start, stop and change of buffer while playing fades over this long: a step in level, or
 * a jump between two buffers that do not line up to the sample, is an audible click.
 */
const FADE_S = 0.02
/**
 * Fades are scheduled this far ahead of the audio clock, so both sides of a cross-fade start at
 * the same known instant instead of in a render quantum already under way (128 frames ≈ 3 ms).
 */
const SCHEDULE_AHEAD_S = 0.01

/** One source playing the prepared buffer, with the fade gain (0 … 1) it is heard through. */
interface Voice {
  node: AudioBufferSourceNode
  fade: GainNode
  /** Audio-clock time at which `fromS` (recording time) is heard. */
  startedAtContextS: number
  startedFromS: number
  speed: number
}

/**
 * Playback of a session through Web Audio, with a listening filter (bell, diaphragm, wide or
 * off: the live screen's bands), a gain stage (heart sounds are quiet: users asked for
 * amplification) followed by the live path's limiter (never above −1 dBFS, whatever the gain),
 * half or double speed without changing pitch (WSOLA; slow playback is how murmurs are studied)
 * and a cursor position, in recording time, read from the audio clock.
 * The filter runs before the time-stretch, on the recording's own time line; gain and limiter
 * after it, so the buffer handed to Web Audio is exactly what is heard: no gain follows it but
 * fades that never exceed 1 and that, during a cross-fade, sum to 1.
 */
export class Playback {
  playing = $state(false)
  positionS = $state(0)
  gain = $state(PLAYBACK_GAIN_DEFAULT)
  speed = $state<PlaybackSpeed>(1)
  /** Off by default: the recording as captured, as before the filters were offered here. */
  filter = $state<PlaybackFilter>('off')
  private samples: Float32Array = new Float32Array(0)
  /** `samples` through `filter`, kept so a speed or gain change does not filter again. */
  private filtered: Float32Array = new Float32Array(0)
  /** `filtered` at `speed`, kept so a gain change (a slider drag) only re-runs the limiter. */
  private stretched: Float32Array = new Float32Array(0)
  private sampleRateHz = 4000
  private context: AudioContext | null = null
  private buffer: AudioBuffer | null = null
  private voice: Voice | null = null
  /** Voices fading out, still to be stopped if playback is paused or disposed meanwhile. */
  private fadingOut: Voice[] = []
  /** Audio-clock time at which the last scheduled fade ends; no new fade may start before it. */
  private fadesEndS = 0
  /** A buffer change waiting for the current fade to end (slider drags change gain every frame). */
  private pendingSwitch: ReturnType<typeof setTimeout> | null = null
  private frame = 0

  load(samples: Float32Array, sampleRateHz: number): void {
    this.stop()
    this.positionS = 0
    this.samples = samples
    this.sampleRateHz = sampleRateHz
    this.filtered = filterForPlayback(samples, sampleRateHz, this.filter)
    this.stretch()
    this.render()
  }

  private stretch(): void {
    this.stretched = this.speed === 1 ? this.filtered : timeStretch(this.filtered, this.sampleRateHz, this.speed)
  }

  /** The buffer actually played: the filtered recording stretched to 1 / speed of its duration, amplified and limited. */
  private render(): void {
    this.context ??= new AudioContext()
    const audio = limitForPlayback(this.stretched, this.sampleRateHz, this.gain)
    // Web Audio resamples to the output rate itself; 3 kHz … 768 kHz buffers are allowed.
    this.buffer = this.context.createBuffer(1, Math.max(1, audio.length), this.sampleRateHz)
    this.buffer.copyToChannel(audio as Float32Array<ArrayBuffer>, 0)
  }

  setSpeed(speed: PlaybackSpeed): void {
    if (speed === this.speed) return
    this.speed = speed
    if (this.samples.length > 0) this.stretch()
    this.rebuffer()
  }

  setFilter(filter: PlaybackFilter): void {
    if (filter === this.filter) return
    this.filter = filter
    if (this.samples.length > 0) {
      this.filtered = filterForPlayback(this.samples, this.sampleRateHz, filter)
      this.stretch()
    }
    this.rebuffer()
  }

  setGain(gain: number): void {
    if (gain === this.gain) return
    this.gain = gain
    this.rebuffer()
  }

  /**
   * Prepare the buffer again for the new settings. While playing, the new buffer cross-fades in
   * at the position the old one has reached; changes arriving during a fade wait for its end and
   * are rendered once, with the latest settings.
   */
  private rebuffer(): void {
    if (this.samples.length === 0) return
    if (!this.playing || !this.context) {
      this.render()
      return
    }
    if (this.pendingSwitch !== null) return
    const waitS = this.fadesEndS - (this.context.currentTime + SCHEDULE_AHEAD_S)
    if (waitS <= 0) {
      this.render()
      this.crossFade()
      return
    }
    this.pendingSwitch = setTimeout(() => {
      this.pendingSwitch = null
      this.render()
      if (this.playing) this.crossFade()
    }, waitS * 1000)
  }

  /** Duration of the recording (not of the stretched buffer). */
  get durationS(): number {
    return this.samples.length / this.sampleRateHz
  }

  /** Recording time a voice plays at audio-clock time `contextS`. */
  private positionAt(voice: Voice, contextS: number): number {
    return Math.max(0, Math.min(this.durationS, voice.startedFromS + (contextS - voice.startedAtContextS) * voice.speed))
  }

  /** When the next fade may start: soon, but never while another is still running. */
  private nextFadeStartS(context: AudioContext): number {
    return Math.max(context.currentTime + SCHEDULE_AHEAD_S, this.fadesEndS)
  }

  /** Start the current buffer at `fromS` (recording time), fading in from silence at `atS`. */
  private startVoice(context: AudioContext, buffer: AudioBuffer, atS: number, fromS: number): Voice {
    const node = context.createBufferSource()
    node.buffer = buffer
    const fade = context.createGain()
    fade.gain.setValueAtTime(0, atS)
    fade.gain.linearRampToValueAtTime(1, atS + FADE_S)
    node.connect(fade).connect(context.destination)
    node.start(atS, Math.min(buffer.duration, fromS / this.speed))
    const voice: Voice = { node, fade, startedAtContextS: atS, startedFromS: fromS, speed: this.speed }
    node.onended = () => {
      if (this.voice === voice) this.finish()
    }
    this.fadesEndS = atS + FADE_S
    return voice
  }

  /** Fade `voice` out from `atS` and stop it once silent. Its gain is 1 by then: fades never overlap. */
  private fadeOut(voice: Voice, atS: number): void {
    voice.fade.gain.setValueAtTime(1, atS)
    voice.fade.gain.linearRampToValueAtTime(0, atS + FADE_S)
    voice.node.stop(atS + FADE_S)
    voice.node.onended = null
    this.fadingOut.push(voice)
    voice.node.addEventListener('ended', () => (this.fadingOut = this.fadingOut.filter((v) => v !== voice)))
    this.fadesEndS = atS + FADE_S
  }

  /** Hand over from the playing voice to the new buffer at the same recording time, gains summing to 1. */
  private crossFade(): void {
    const context = this.context
    const old = this.voice
    if (!context || !this.buffer || !old) return
    const atS = this.nextFadeStartS(context)
    const fromS = this.positionAt(old, atS)
    this.fadeOut(old, atS)
    this.voice = this.startVoice(context, this.buffer, atS, fromS)
  }

  play(): void {
    if (!this.context || !this.buffer || this.playing) return
    void this.context.resume()
    const from = this.positionS >= this.durationS - 0.01 ? 0 : this.positionS
    this.voice = this.startVoice(this.context, this.buffer, this.nextFadeStartS(this.context), from)
    this.playing = true
    const tick = (): void => {
      if (!this.playing || !this.context || !this.voice) return
      this.positionS = this.positionAt(this.voice, this.context.currentTime)
      this.frame = requestAnimationFrame(tick)
    }
    this.frame = requestAnimationFrame(tick)
  }

  private finish(): void {
    this.playing = false
    this.voice = null
    this.flushPendingSwitch()
    cancelAnimationFrame(this.frame)
    this.positionS = this.durationS
  }

  pause(): void {
    if (!this.playing) return
    const voice = this.voice
    this.voice = null
    this.playing = false
    cancelAnimationFrame(this.frame)
    this.flushPendingSwitch()
    if (voice && this.context) {
      const atS = this.nextFadeStartS(this.context)
      this.positionS = this.positionAt(voice, atS)
      this.fadeOut(voice, atS)
    }
  }

  stop(): void {
    this.pause()
  }

  /** Stopped before a waiting buffer change was made: make it now, so the next play has it. */
  private flushPendingSwitch(): void {
    if (this.pendingSwitch === null) return
    clearTimeout(this.pendingSwitch)
    this.pendingSwitch = null
    this.render()
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

  dispose(): void {
    this.stop()
    for (const voice of this.fadingOut) voice.node.stop()
    this.fadingOut = []
    void this.context?.close()
    this.context = null
    // A new context's clock starts at 0 again.
    this.fadesEndS = 0
  }
}
