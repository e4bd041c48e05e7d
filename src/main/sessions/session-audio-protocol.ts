/** Messages between the main process and the session audio worker (session-audio-worker.ts). */
import type { AudioRangeResult, PeaksRequest, PeaksResult, WholeAudioResult } from './session-audio-reader'

export type SessionAudioRequest =
  | { type: 'range'; requestId: number; dataDir: string; id: string; startFrame: number; frames: number }
  | { type: 'peaks'; requestId: number; dataDir: string; id: string; request: PeaksRequest }
  | { type: 'whole'; requestId: number; dataDir: string; id: string; maxFrames: number }
  | { type: 'settle'; requestId: number }

export type SessionAudioReply =
  | { type: 'range'; requestId: number; result: AudioRangeResult }
  | { type: 'peaks'; requestId: number; result: PeaksResult }
  | { type: 'whole'; requestId: number; result: WholeAudioResult }
  | { type: 'settled'; requestId: number }
  | { type: 'failed'; requestId: number; name: string; message: string }
