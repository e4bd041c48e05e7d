/**
 * Turns the first zod issue into the parts of a CorruptSessionError: the field path
 * ("patient.ageGroup") and a detail that quotes the bad value, as docs/architecture.md (Conventions) asks of errors.
 */
import type { z } from 'zod'

export interface IssueDescription {
  field: string | undefined
  detail: string
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node: unknown = root
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

export function describeIssue(error: z.ZodError, value: unknown): IssueDescription {
  const issue = error.issues[0]
  if (issue === undefined) return { field: undefined, detail: 'invalid' }
  const field = issue.path.length === 0 ? undefined : issue.path.map(String).join('.')
  const bad = valueAt(value, issue.path)
  let quoted: string
  try {
    quoted = bad === undefined ? 'missing' : (JSON.stringify(bad) ?? String(bad))
  } catch {
    quoted = String(bad)
  }
  if (quoted.length > 80) quoted = `${quoted.slice(0, 77)}...`
  return { field, detail: `${issue.message} (value: ${quoted})` }
}
