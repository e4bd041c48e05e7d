/**
 * Device tests use real components (PulseAudio, socat, the compiled addon). Where one is
 * missing they skip with a printed reason on a developer machine, but FAIL under CI=true, where
 * .ci installs them: a silently skipped device test would prove nothing.
 */
import { spawnSync } from 'node:child_process'

export function missingTools(names: string[]): string[] {
  return names.filter((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0)
}

/** Returns a skip reason (printed) or undefined when everything is there; throws under CI. */
export function requireComponents(what: string, problems: string[]): string | undefined {
  if (problems.length === 0) return undefined
  const reason = `${what}: ${problems.join('; ')}`
  if (process.env.CI === 'true') throw new Error(`required under CI=true: ${reason}`)
  process.stderr.write(`SKIP ${reason}\n`)
  return reason
}
