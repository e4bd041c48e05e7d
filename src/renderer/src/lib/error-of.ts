/**
 * Runs a screen's action; resolves to its error message, or null when it succeeded. Screens show
 * the message in their error line (a rejected call to the backend is a sentence for the user).
 */
export async function errorOf(action: () => Promise<void>): Promise<string | null> {
  try {
    await action()
    return null
  } catch (e) {
    return (e as Error).message
  }
}
