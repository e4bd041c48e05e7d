/** Messages between the main thread and the sharing worker (sharing-worker.ts). */
import type { ImportedSession } from './session-dicom-files'

export type SharingJob =
  { kind: 'encode'; dataDir: string; sessionId: string } | { kind: 'import'; dataDir: string; bytes: Uint8Array; name: string }

export type SharingReply =
  | { ok: true; kind: 'encode'; bytes: Uint8Array }
  | { ok: true; kind: 'import'; result: ImportedSession }
  | { ok: false; name: string; message: string }
