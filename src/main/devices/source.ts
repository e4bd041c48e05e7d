/**
 * The one interface every sample source implements (sound card, serial scope, demo file), so the
 * monitor engine and the recorder never care where the heart sound comes from.
 */

export interface PcmChunk {
  /** Mono samples in [-1, 1]. */
  samples: Float32Array
  sampleRateHz: number
  /** Index (at sampleRateHz) of samples[0] since the source started. */
  firstSampleIndex: number
  /** Stretches of this chunk that stand for lost data (gap fill): [start, end) offsets. */
  gaps?: Array<[number, number]>
}

export type SourceStatus = 'idle' | 'connecting' | 'streaming' | 'stopped' | 'lost' | 'error'

export type SourceEvent =
  | { type: 'chunk'; chunk: PcmChunk }
  | { type: 'status'; status: SourceStatus; detail?: string }
  | { type: 'error'; error: Error }
  | { type: 'overrun'; lostSamples: number }
  | { type: 'end' }

/**
 * A listener may return a promise: sources that can wait (a demo file played faster than real
 * time) wait for it before the next chunk, which gives the engine back-pressure. Live devices
 * cannot wait and ignore it.
 */
export type SourceListener = (event: SourceEvent) => void | Promise<void>

export interface PcmSource {
  readonly id: string
  readonly kind: 'audio' | 'serial' | 'raw-serial' | 'demo'
  readonly label: string
  start(): Promise<void>
  stop(): Promise<void>
  on(listener: SourceListener): () => void
}
