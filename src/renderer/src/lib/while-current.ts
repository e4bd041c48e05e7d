/**
 * For an `$effect` that starts a load: the outcome is applied only while the effect still stands,
 * so a slow answer for an old view never overwrites the one for the view now shown. Returns the
 * effect's cleanup, which drops whatever has not arrived yet. Errors are ignored unless `onError` is given.
 */
export function applyWhileCurrent<T>(
  load: Promise<T>,
  onValue: (value: T) => void,
  onError: (error: unknown) => void = () => undefined,
): () => void {
  let current = true
  load.then(
    (value) => {
      if (current) onValue(value)
    },
    (error: unknown) => {
      if (current) onError(error)
    },
  )
  return () => {
    current = false
  }
}
