/**
 * Errors cross the API as `{ name, message }` with no paths of ours (contract.ts, WireError). The
 * storage layers name absolute paths in their messages, which is right for logs and the CLI; at
 * the API boundary those paths are made relative to the data folder: a browser-mode client (or a
 * screenshot of the app) does not learn the user's home folder or account name.
 */
import { sep } from 'node:path'
import type { ApiHandlers } from '../../core/api/contract'

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** `message` with every `<root>/…` written as `…` and a bare `<root>` as "the data folder". */
export function redactPaths(message: string, roots: readonly string[]): string {
  let out = message
  // Longest first: a root inside another root must not be cut in half.
  for (const root of [...new Set(roots)].filter((r) => r.length > 1).sort((a, b) => b.length - a.length)) {
    const base = escapeRegExp(root.endsWith(sep) ? root.slice(0, -1) : root)
    out = out
      .replace(new RegExp(`${base}${escapeRegExp(sep)}`, 'g'), '')
      .replace(new RegExp(`${base}(?=$|[\\s'"\`:,;)\\]])`, 'g'), 'the data folder')
  }
  return out
}

/**
 * The same handlers, with the data folders taken out of every error message they throw. The error
 * keeps its class (callers in-process may still test `instanceof`); only its message changes.
 */
export function withRedactedErrors(handlers: ApiHandlers, roots: () => readonly string[]): ApiHandlers {
  const wrapped: Record<string, (request: unknown) => Promise<unknown>> = {}
  for (const [channel, handler] of Object.entries(handlers) as Array<[string, (request: unknown) => Promise<unknown>]>) {
    wrapped[channel] = async (request) => {
      try {
        return await handler(request)
      } catch (error) {
        if (error instanceof Error) error.message = redactPaths(error.message, roots())
        throw error
      }
    }
  }
  return wrapped as ApiHandlers
}
