/**
 * The words of a stop reason (MonitorStopReason): a failed source's own error message, made fit
 * for a bedside screen and for the wire. Pure.
 */
import { MAX_STOP_DETAIL_CHARS } from './monitor-events'

/**
 * A file path cut to its last part ("/tmp/x/broken.wav" → "broken.wav", "C:\\x\\a.wav" →
 * "a.wav"); device paths (/dev/…) stay whole, they are the device's name. A bedside screen has no
 * room for folders, the file name is what a person recognises, and a browser-mode client need not
 * learn the user's folders.
 */
export function withFileNames(text: string): string {
  return text.replace(/(?<=^|[\s"'(])(?:[A-Za-z]:)?(?:[\\/][^\s\\/:"']+)+[\\/]([^\s\\/:"']+)/g, (path: string, name: string) =>
    path.startsWith('/dev/') ? path : name,
  )
}

/** A source's error message as a stop reason's detail: file names only, at most MAX_STOP_DETAIL_CHARS. */
export function stopDetail(message: string): string {
  const text = withFileNames(message)
  return text.length <= MAX_STOP_DETAIL_CHARS ? text : `${text.slice(0, MAX_STOP_DETAIL_CHARS - 1)}…`
}
