/**
 * The one way a zod failure becomes words, and the one JSON-then-schema reader. Every file format
 * and the API contract report a failure the same way: the field path ("patient.ageGroup", or
 * "(root)") and zod's message, so a message names the file, field and value at fault
 * (docs/architecture.md, Conventions).
 */
import type { z } from 'zod'

/** The first problem of a failed parse (or of unreadable JSON): where, what, and the same in one line. */
export interface SchemaFailure {
  /** Dotted path of the bad field; undefined for the whole value (or for text that is not JSON). */
  field: string | undefined
  /** What is wrong, never quoting the value. */
  message: string
  /** `message` followed by the bad value, quoted and cut to 80 characters: for files the user owns. */
  detail: string
  /** One line without the value: "field 'a.b': message", or "not valid JSON (...)". */
  summary: string
  /** The JSON parser's error, for unreadable text. */
  cause?: unknown
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node: unknown = root
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

function quote(value: unknown): string {
  let quoted: string
  try {
    quoted = value === undefined ? 'missing' : (JSON.stringify(value) ?? String(value))
  } catch {
    quoted = String(value)
  }
  return quoted.length > 80 ? `${quoted.slice(0, 77)}...` : quoted
}

/**
 * The first issue of `error` against `value`. zod's message for unknown keys quotes the keys, which
 * may be request text, so it becomes a count: an error must not echo what a client sent (issue 20, item 4).
 */
export function describeIssue(error: z.ZodError, value?: unknown): SchemaFailure {
  const issue = error.issues[0]
  if (issue === undefined) return { field: undefined, message: 'invalid', detail: 'invalid', summary: "field '(root)': invalid" }
  const field = issue.path.length === 0 ? undefined : issue.path.map(String).join('.')
  const message = issue.code === 'unrecognized_keys' ? `${issue.keys.length} unrecognized key(s)` : issue.message
  return {
    field,
    message,
    detail: `${message} (value: ${quote(valueAt(value, issue.path))})`,
    summary: `field '${field ?? '(root)'}': ${message}`,
  }
}

/** `value` checked against `schema`; a failure goes to `fail`, which throws the caller's typed error. */
export function validateWith<S extends z.ZodType>(schema: S, value: unknown, fail: (failure: SchemaFailure) => never): z.output<S> {
  const result = schema.safeParse(value)
  if (!result.success) return fail(describeIssue(result.error, value))
  return result.data
}

/** JSON text parsed, then checked against `schema`; unreadable JSON and schema violations both go to `fail`. */
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string, fail: (failure: SchemaFailure) => never): z.output<S> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    const message = `not valid JSON (${(cause as Error).message})`
    return fail({ field: undefined, message, detail: message, summary: message, cause })
  }
  return validateWith(schema, value, fail)
}
