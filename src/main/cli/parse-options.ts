/**
 * The one way every `ausculta <command>` parses its options: node:util parseArgs in strict mode,
 * with its errors (unknown option, missing value, unexpected argument) turned into CliUsageError,
 * which main.ts prints with the command's usage and exit code 2 — never an "internal error" with a
 * stack trace and exit code 70.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { CliUsageError } from './command'

/** parseArgs' configuration without what this helper fixes: the arguments and strict mode. */
export type OptionsConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'>

type Strict<T extends OptionsConfig> = T & { args: string[]; strict: true }

/** Node's message up to its hint on positionals starting with '-', which does not fit our usage text. */
function usageMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const cut = message.indexOf('. To specify a positional argument')
  return cut >= 0 ? message.slice(0, cut) : message
}

export function parseOptions<const T extends OptionsConfig>(argv: readonly string[], config: T): ReturnType<typeof parseArgs<Strict<T>>> {
  try {
    return parseArgs({ ...config, args: [...argv], strict: true } as Strict<T>)
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for every argument mistake.
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new CliUsageError(usageMessage(error))
    throw error
  }
}
