import type { PlaybackFilter } from './playback-filter'
import { PLAYBACK_GAIN_DEFAULT } from './playback-limiter'
import { planSegment, renderSegment, type SegmentPlan } from './playback-segments'
import type { AudioReader } from './session-audio'

export const PLAYBACK_SPEEDS = [0.5, 1, 2] as const
export type PlaybackSpeed = (typeof PLAYBACK_SPEEDS)[number]

/**
 * Every start, stop, change of settings and join between segments fades over this long: a step
 * in level, or a jump between two buffers that do not line up to the sample, is an audible click.
 */
const FADE_S = 0.02
/**
 * Fades are scheduled this far ahead of the audio clock, so both sides of a cross-fade start at
 * the same known instant instead of in a render quantum already under way (128 frames ≈ 3 ms).
 */
const SCHEDULE_AHEAD_S = 0.01

/** One source playing one segment's buffer, with the fade gain (0 … 1) it is heard through. */
interface Voice {
  node: AudioBufferSourceNode
  fade: GainNode
  /** Audio-clock time at which the voice starts to be heard … */
  startsAtS: number
  /** … and has faded out (Infinity until its end is scheduled). */
  endsAtS: number
}

/** A prepared segment: what was read, and the buffer made of it with the settings of `key`. */
interface Prepared {
  plan: SegmentPlan
  raw: Float32Array
  key: string
  buffer: AudioBuffer
}

/**
 * A run of segments played back to back from one start: recording time `fromS` is heard at
 * audio-clock time `startAtS`, and every later moment follows at `speed`.
 */
interface Chain {
  fromS: number
  startAtS: number
  speed: number
  key: string
  voices: Voice[]
  /** Audio-clock times at which one segment cross-fades into the next. */
  joinsAtS: number[]
  cancelled: boolean
}

/**
 * Playback of a session through Web Audio, with a listening filter (bell, diaphragm, wide or
 * off: the live screen's bands), a gain stage (heart sounds are quiet: users asked for
 * amplification) followed by the live path's limiter (never above −1 dBFS, whatever the gain),
 * half or double speed without changing pitch (WSOLA; slow playback is how murmurs are studied)
 * and a cursor position, in recording time, read from the audio clock.
 *
 * The recording is never loaded whole: it plays in segments (playback-segments.ts) read from an
 * AudioReader as they come due, each prepared while the one before it plays and cross-faded into
 * it, so an hours-long session plays from any point with a few seconds held. The filter runs
 * before the time-stretch, on the recording's own time line; gain and limiter after it, so each
 * buffer handed to Web Audio is exactly what is heard: no gain follows it but fades that never
 * exceed 1 and that, during a cross-fade, sum to 1. The segment at the cursor is prepared while
 * paused, so play starts at once and a settings change while paused is rendered at once.
 */
export class Playback {
  playing = $state(false)
  positionS = $state(0)
  gain = $state(PLAYBACK_GAIN_DEFAULT)
  speed = $state<PlaybackSpeed>(1)
  /** Off by default: the recording as captured, as before the filters were offered here. */
  filter = $state<PlaybackFilter>('off')
  /** Waiting for audio (the first segment after play or a seek). */
  waiting = $state(false)
  /** Why the audio could not be read (playback stopped), or null. */
  error = $state<string | null>(null)
  private reader: AudioReader | null = null
  private context: AudioContext | null = null
  private prepared: Prepared | null = null
  private chain: Chain | null = null
  /** Voices fading out, still to be stopped if playback is paused or disposed meanwhile. */
  private fadingOut: Voice[] = []
  /** Audio-clock time at which the last start, pause or settings fade ends; no new one may start before it. */
  private fadesEndS = 0
  /** Bumped by load, seek and pause: async work started before is dropped. */
  private generation = 0
  /** A settings change while playing is being prepared; another one waits for it. */
  private rechaining = false
  private rechainAgain = false
  private frame = 0

  /** Plays `reader` from its start (paused). */
  load(reader: AudioReader): void {
    this.stop()
    this.generation++
    this.positionS = 0
    this.reader = reader
    this.prepared = null
    void this.prepareAt(0)
  }

  /** Duration of the recording (not of the stretched playback). */
  get durationS(): number {
    return this.reader ? this.reader.totalFrames / this.reader.sampleRateHz : 0
  }

  private settingsKey(): string {
    return `${this.filter}|${this.speed}|${this.gain}`
  }

  private audioContext(): AudioContext {
    this.context ??= new AudioContext()
    return this.context
  }

  /** A segment's buffer with the current settings. */
  private bufferFor(plan: SegmentPlan, raw: Float32Array): AudioBuffer {
    const reader = this.reader as AudioReader
    const audio = renderSegment(
      raw,
      plan,
      reader.sampleRateHz,
      { filter: this.filter, speed: this.speed, gain: this.gain },
      FADE_S * this.speed,
    )
    // Web Audio resamples to the output rate itself; 3 kHz … 768 kHz buffers are allowed.
    const buffer = this.audioContext().createBuffer(1, Math.max(1, audio.length), reader.sampleRateHz)
    buffer.copyToChannel(audio as Float32Array<ArrayBuffer>, 0)
    return buffer
  }

  private async read(plan: SegmentPlan): Promise<Float32Array> {
    return (this.reader as AudioReader).read(plan.fetchStartFrame, plan.fetchFrames)
  }

  /** Reads and renders the segment at `timeS`, to play at once when asked. */
  private async prepareAt(timeS: number): Promise<void> {
    const reader = this.reader
    if (!reader) return
    const generation = this.generation
    const plan = planSegment(timeS, reader.totalFrames, reader.sampleRateHz)
    let raw: Float32Array
    try {
      raw = await this.read(plan)
    } catch (error) {
      if (generation === this.generation) this.error = (error as Error).message
      return
    }
    if (generation !== this.generation || this.playing) return
    this.prepared = { plan, raw, key: this.settingsKey(), buffer: this.bufferFor(plan, raw) }
  }

  /** The prepared segment, rendered again with the current settings if they changed. */
  private preparedFor(timeS: number): Prepared | null {
    const p = this.prepared
    if (!p || timeS < p.plan.startS || timeS >= p.plan.endS) return null
    if (p.key !== this.settingsKey()) {
      p.buffer = this.bufferFor(p.plan, p.raw)
      p.key = this.settingsKey()
    }
    return p
  }

  setSpeed(speed: PlaybackSpeed): void {
    if (speed === this.speed) return
    this.speed = speed
    this.settingsChanged()
  }

  setFilter(filter: PlaybackFilter): void {
    if (filter === this.filter) return
    this.filter = filter
    this.settingsChanged()
  }

  setGain(gain: number): void {
    if (gain === this.gain) return
    this.gain = gain
    this.settingsChanged()
  }

  /** Paused: render the prepared segment again now. Playing: cross-fade into a new chain at the cursor. */
  private settingsChanged(): void {
    if (!this.playing) {
      if (this.prepared) this.preparedFor(this.prepared.plan.startS)
      return
    }
    if (this.rechaining) {
      this.rechainAgain = true
      return
    }
    void this.rechain().catch((error: unknown) => {
      this.error = (error as Error).message
    })
  }

  private async rechain(): Promise<void> {
    this.rechaining = true
    try {
      do {
        this.rechainAgain = false
        const old = this.chain
        if (!old || !this.playing || !this.context) return
        await this.startChain(this.positionAt(old, this.context.currentTime), old)
      } while (this.rechainAgain && this.playing)
    } finally {
      this.rechaining = false
    }
  }

  /** Recording time `chain` plays at audio-clock time `contextS`. */
  private positionAt(chain: Chain, contextS: number): number {
    return Math.max(0, Math.min(this.durationS, chain.fromS + Math.max(0, contextS - chain.startAtS) * chain.speed))
  }

  /** When the next start, pause or settings fade may begin: soon, never while another fade (or a join) runs. */
  private nextFadeStartS(context: AudioContext): number {
    let atS = Math.max(context.currentTime + SCHEDULE_AHEAD_S, this.fadesEndS)
    for (const joinS of this.chain?.joinsAtS ?? []) if (atS > joinS - FADE_S && atS < joinS + FADE_S) atS = joinS + FADE_S
    return atS
  }

  /** Plays `buffer` from `offsetS` into it at `atS`, fading in from silence. */
  private startVoice(context: AudioContext, buffer: AudioBuffer, atS: number, offsetS: number, onended?: () => void): Voice {
    const node = context.createBufferSource()
    node.buffer = buffer
    const fade = context.createGain()
    fade.gain.setValueAtTime(0, atS)
    fade.gain.linearRampToValueAtTime(1, atS + FADE_S)
    node.connect(fade).connect(context.destination)
    node.start(atS, Math.max(0, Math.min(buffer.duration, offsetS)))
    if (onended) node.onended = onended
    return { node, fade, startsAtS: atS, endsAtS: Infinity }
  }

  /** Fades `voice` out from `atS` (its gain is 1 then) and stops it once silent. */
  private fadeOut(voice: Voice, atS: number): void {
    voice.fade.gain.cancelScheduledValues(atS)
    voice.fade.gain.setValueAtTime(1, atS)
    voice.fade.gain.linearRampToValueAtTime(0, atS + FADE_S)
    voice.node.stop(atS + FADE_S)
    voice.endsAtS = atS + FADE_S
    voice.node.onended = null
    this.fadingOut.push(voice)
    voice.node.addEventListener('ended', () => (this.fadingOut = this.fadingOut.filter((v) => v !== voice)))
  }

  /** Ends a chain at `atS`: the voice heard then fades out, voices due later never start. */
  private endChain(chain: Chain, atS: number): void {
    chain.cancelled = true
    for (const voice of chain.voices) {
      if (voice.endsAtS <= atS) continue // already over
      if (voice.startsAtS >= atS) {
        voice.node.onended = null
        voice.node.stop()
        voice.node.disconnect()
      } else this.fadeOut(voice, atS)
    }
    chain.voices = []
  }

  /**
   * Starts playing at `fromS` (cross-fading from `old` at the moment the first segment is ready,
   * from wherever `old` has got to by then), then keeps the next segment prepared and scheduled.
   */
  private async startChain(fromS: number, old: Chain | null): Promise<void> {
    const reader = this.reader
    if (!reader) return
    const context = this.audioContext()
    const generation = this.generation
    let first = this.preparedFor(fromS)
    if (!first) {
      this.waiting = old === null
      const plan = planSegment(fromS, reader.totalFrames, reader.sampleRateHz)
      const raw = await this.read(plan)
      this.waiting = false
      if (generation !== this.generation || !this.playing || (old !== null && old !== this.chain)) return
      first = { plan, raw, key: this.settingsKey(), buffer: this.bufferFor(plan, raw) }
    }
    this.prepared = null
    const atS = this.nextFadeStartS(context)
    const startS = old ? Math.max(first.plan.startS, this.positionAt(old, atS)) : fromS
    if (old) this.endChain(old, atS)
    const speed = this.speed
    const chain: Chain = { fromS: startS, startAtS: atS, speed, key: this.settingsKey(), voices: [], joinsAtS: [], cancelled: false }
    this.chain = chain
    const voice = this.startVoice(
      context,
      first.buffer,
      atS,
      (startS - first.plan.startS) / speed,
      first.plan.final ? () => this.finish(chain) : undefined,
    )
    chain.voices.push(voice)
    this.fadesEndS = atS + FADE_S
    if (!first.plan.final) void this.scheduleNext(chain, first.plan.endS)
  }

  /** Prepares the segment from `startS` and schedules it to cross-fade in as the one before ends. */
  private async scheduleNext(chain: Chain, startS: number): Promise<void> {
    const reader = this.reader
    const context = this.context
    if (!reader || !context) return
    const plan = planSegment(startS, reader.totalFrames, reader.sampleRateHz)
    let raw: Float32Array
    try {
      raw = await this.read(plan)
    } catch (error) {
      // The segment playing runs out and playback ends there, saying why.
      if (!chain.cancelled && chain === this.chain) this.error = (error as Error).message
      return
    }
    if (chain.cancelled || chain !== this.chain) return
    const buffer = this.bufferFor(plan, raw)
    const joinAtS = chain.startAtS + (startS - chain.fromS) / chain.speed
    // Late (a slow read): start where the chain's clock is now, so the cursor and the sound stay together.
    const atS = Math.max(joinAtS, context.currentTime + SCHEDULE_AHEAD_S)
    const previous = chain.voices[chain.voices.length - 1]
    if (previous) {
      previous.fade.gain.setValueAtTime(1, atS)
      previous.fade.gain.linearRampToValueAtTime(0, atS + FADE_S)
      previous.node.stop(atS + FADE_S)
      previous.endsAtS = atS + FADE_S
      previous.node.onended = null
    }
    const voice = this.startVoice(context, buffer, atS, (atS - joinAtS) * chain.speed, plan.final ? () => this.finish(chain) : undefined)
    // The one fading out and the one fading in: every voice before them has ended.
    chain.voices = [...chain.voices.slice(-1), voice]
    chain.joinsAtS = [...chain.joinsAtS.filter((t) => t > context.currentTime - 1), atS]
    if (!plan.final) void this.scheduleNext(chain, plan.endS)
  }

  play(): void {
    if (!this.reader || this.playing || this.reader.totalFrames === 0) return
    const context = this.audioContext()
    void context.resume()
    const from = this.positionS >= this.durationS - 0.01 ? 0 : this.positionS
    this.positionS = from
    this.playing = true
    this.error = null
    const generation = this.generation
    void this.startChain(from, null).catch((error: unknown) => {
      if (generation !== this.generation) return
      this.error = (error as Error).message
      this.pause()
    })
    const tick = (): void => {
      if (!this.playing || !this.context) return
      if (this.chain) this.positionS = this.positionAt(this.chain, this.context.currentTime)
      this.frame = requestAnimationFrame(tick)
    }
    this.frame = requestAnimationFrame(tick)
  }

  private finish(chain: Chain): void {
    if (chain !== this.chain) return
    this.playing = false
    this.chain = null
    cancelAnimationFrame(this.frame)
    this.positionS = this.durationS
    this.generation++
  }

  pause(): void {
    if (!this.playing) return
    this.playing = false
    this.waiting = false
    this.generation++
    cancelAnimationFrame(this.frame)
    const chain = this.chain
    this.chain = null
    if (chain && this.context) {
      const atS = Math.max(this.context.currentTime + SCHEDULE_AHEAD_S, this.fadesEndS)
      let fadeAtS = atS
      for (const joinS of chain.joinsAtS) if (fadeAtS > joinS - FADE_S && fadeAtS < joinS + FADE_S) fadeAtS = joinS + FADE_S
      this.positionS = this.positionAt(chain, fadeAtS)
      this.endChain(chain, fadeAtS)
      this.fadesEndS = fadeAtS + FADE_S
    }
    void this.prepareAt(this.positionS)
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
    this.generation++
    this.positionS = Math.max(0, Math.min(this.durationS, timeS))
    if (this.prepared && (this.positionS < this.prepared.plan.startS || this.positionS >= this.prepared.plan.endS)) this.prepared = null
    if (wasPlaying) this.play()
    else void this.prepareAt(this.positionS)
  }

  dispose(): void {
    this.stop()
    this.generation++
    for (const voice of this.fadingOut) voice.node.stop()
    this.fadingOut = []
    void this.context?.close()
    this.context = null
    this.reader = null
    this.prepared = null
    // A new context's clock starts at 0 again.
    this.fadesEndS = 0
  }
}
