/**
 * Words and numbers of the guided exam and of "Saved: …" feedback, as a clinician reads them:
 * site names, m:ss lengths, where each site is on the chest. Pure; the clip length the user chose
 * is kept in the page's localStorage (a per-workstation habit, not a setting of the data folder).
 */
import type { SavedRecording } from '../../../core/api/contract'
import { EXAM_CLIP_SECONDS, EXAM_POINT_NAMES, type ExamPointName } from '../../../core/api/visit-contract'

/** 15 → "0:15", 75.4 → "1:15"; whole seconds, rounded down as a stopwatch shows them (a 14.99-s clip is 0:14). */
export function clipLengthText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–:––'
  const whole = Math.floor(seconds + 1e-6)
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

/** Where to put the chestpiece (standard auscultation areas). */
export const EXAM_SITE_HINTS: Readonly<Record<ExamPointName, string>> = {
  AV: 'Aortic area: 2nd intercostal space, right sternal border.',
  PV: 'Pulmonic area: 2nd intercostal space, left sternal border.',
  TV: 'Tricuspid area: 4th intercostal space, left lower sternal border.',
  MV: 'Mitral area: apex, 5th intercostal space, mid-clavicular line.',
}

/** "Saved: Mitral, 0:15" (the "open" is a button beside it). */
export function savedText(saved: SavedRecording): string {
  return `Saved: ${EXAM_POINT_NAMES[saved.location]}, ${clipLengthText(saved.durationS)}`
}

/** The part of the page's localStorage used here (typed without the DOM library: the tests run under Node). */
interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

function pageStorage(): KeyValueStore | null {
  return (globalThis as { localStorage?: KeyValueStore }).localStorage ?? null
}

const CLIP_KEY = 'ausculta.exam.clipSeconds'
const VISIT_KEY = 'ausculta.exam.visitId'

/** The visit under way, so going to the library and back (or reloading) does not lose the exam. */
export function loadCurrentVisitId(storage: Pick<KeyValueStore, 'getItem'> | null = pageStorage()): string | null {
  return storage?.getItem(VISIT_KEY) ?? null
}

export function saveCurrentVisitId(id: string | null, storage: Pick<KeyValueStore, 'setItem' | 'removeItem'> | null = pageStorage()): void {
  try {
    if (id === null) storage?.removeItem(VISIT_KEY)
    else storage?.setItem(VISIT_KEY, id)
  } catch {
    // Storage disabled: the exam lasts while the screen is open.
  }
}

export function loadClipSeconds(storage: Pick<KeyValueStore, 'getItem'> | null = pageStorage()): number {
  const value = Number(storage?.getItem(CLIP_KEY) ?? NaN)
  return Number.isFinite(value) && value >= EXAM_CLIP_SECONDS.min && value <= EXAM_CLIP_SECONDS.max ? value : EXAM_CLIP_SECONDS.default
}

export function saveClipSeconds(seconds: number, storage: Pick<KeyValueStore, 'setItem'> | null = pageStorage()): void {
  try {
    storage?.setItem(CLIP_KEY, String(seconds))
  } catch {
    // Storage full or disabled: the choice lasts this page only.
  }
}
