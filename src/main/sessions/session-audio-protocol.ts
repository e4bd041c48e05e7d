/** Messages between the main process and the session audio worker (session-audio-worker.ts). */
import type { SessionBeats } from '../../core/sessions/session-beats'
import type { AudioRangeResult, PeaksRequest, PeaksResult, WholeAudioResult } from './session-audio-reader'

export type SessionAudioRequest =
  | { type: 'range'; requestId: number; dataDir: string; id: string; startFrame: number; frames: number }
  | { type: 'peaks'; requestId: number; dataDir: string; id: string; request: PeaksRequest }
  | { type: 'whole'; requestId: number; dataDir: string; id: string; maxFrames: number }
  | { type: 'settle'; requestId: number }
  /** S1/S2 and HR by the envelope detector over the whole recording (null when it is longer than maxFrames). */
  | { type: 'beats'; requestId: number; dataDir: string; id: string; maxFrames: number }

export type SessionAudioReply =
  | { type: 'range'; requestId: number; result: AudioRangeResult }
  | { type: 'peaks'; requestId: number; result: PeaksResult }
  | { type: 'whole'; requestId: number; result: WholeAudioResult }
  | { type: 'settled'; requestId: number }
  | { type: 'beats'; requestId: number; result: SessionBeats | null }
  | { type: 'failed'; requestId: number; name: string; message: string }
