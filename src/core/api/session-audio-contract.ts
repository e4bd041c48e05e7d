/**
 * The API's session-audio channels (part of the contract in contract.ts): a recording is read in
 * ranges of samples and drawn from its peak overview, never sent whole (an hours-long session is
 * hundreds of megabytes). Samples and peaks cross as Float32Array: structured clone over Electron
 * IPC, one binary WebSocket frame in browser mode (ws-binary.ts), never base64 in JSON.
 */
import { z } from 'zod'
import { MAX_AUDIO_RANGE_FRAMES, MAX_PEAK_COLUMNS } from '../sessions/audio-range'

export const float32ArraySchema = z.custom<Float32Array>((value) => value instanceof Float32Array, 'must be a Float32Array')

const frameIndex = z.number().int().nonnegative()

export const audioRangeRequestSchema = z.object({
  id: z.string().min(1),
  startFrame: frameIndex,
  frames: z.number().int().min(1).max(MAX_AUDIO_RANGE_FRAMES),
})

/** Mono samples [startFrame, startFrame + samples.length) as the WAV reader gives them. */
export const audioRangeSchema = z.object({
  sessionId: z.string(),
  sampleRateHz: z.number().positive(),
  /** Frames in the recording now (it grows while a session is being recorded). */
  totalFrames: frameIndex,
  startFrame: frameIndex,
  samples: float32ArraySchema,
})

export const peaksRequestSchema = z.object({
  id: z.string().min(1),
  startFrame: frameIndex.default(0),
  /** Exclusive; the end of the recording when absent. */
  endFrame: z.number().int().positive().optional(),
  /** Pixel columns to draw: every column gets at least one bucket while the overview's finest level allows. */
  columns: z.number().int().min(1).max(MAX_PEAK_COLUMNS),
})

/**
 * min/max per bucket of `samplesPerBucket` frames, buckets `firstBucket` … (bucket b covers
 * frames [b·samplesPerBucket, (b+1)·samplesPerBucket), the last one possibly partial).
 */
export const peaksSchema = z.object({
  sessionId: z.string(),
  sampleRateHz: z.number().positive(),
  totalFrames: frameIndex,
  samplesPerBucket: z.number().int().positive(),
  firstBucket: frameIndex,
  /** min₀, max₀, min₁, max₁, … */
  minMax: float32ArraySchema.refine((values) => values.length % 2 === 0, 'must hold min/max pairs'),
  /** The overview's levels (frames per bucket, finest first): below the finest, draw from the samples. */
  levels: z.array(z.number().int().positive()),
})

export type AudioRange = z.output<typeof audioRangeSchema>
export type SessionPeaks = z.output<typeof peaksSchema>
