/**
 * How an `ausculta <command>` module declares itself: its help texts, its options (node:util
 * parseArgs, strict) and the operands it takes. The parsing and the operand count live here once,
 * so every command reports a wrong argument the same way: a CliUsageError, printed by main.ts with
 * the command's usage and exit code 2.
 */
import type { ParseArgsConfig } from 'node:util'
import { CliUsageError, type CliCommand } from './command'
import { parseOptions } from './parse-options'

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>

/** The option values parseArgs returns for an options table. */
export type OptionValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseOptions<{ allowPositionals: true; options: O }>
>['values']

/** Operand names (a tuple) become a tuple of their values; 'any' leaves the list to the command. */
export type OperandValues<N extends OperandNames> = N extends readonly string[] ? { -readonly [K in keyof N]: string } : string[]

type OperandNames = readonly string[] | 'any'

export interface CommandSpec<O extends ParseArgsOptionsConfig, N extends OperandNames> {
  /** One line for `ausculta --help`. */
  readonly summary: string
  /** Printed by `ausculta <command> --help` and on argument errors. */
  readonly usage: string
  readonly options: O
  /**
   * The operands, by the names the usage gives them (e.g. ['<session>', '<out.dcm>']): exactly
   * these many. Omitted: the command takes none. 'any': the command checks them itself.
   */
  readonly operands?: N
  /** Runs the command with its parsed options and operands; resolves to the exit code. */
  run(values: OptionValues<O>, operands: OperandValues<N>): Promise<number>
}

function checkOperands(names: readonly string[], given: readonly string[]): void {
  if (given.length === names.length) return
  if (names.length === 0) throw new CliUsageError(`Unexpected argument '${given[0] as string}': this command takes options only`)
  if (given.length === 0) throw new CliUsageError(`missing ${names.join(' ')}`)
  throw new CliUsageError(`expected ${names.join(' ')}, got ${given.length} argument(s): ${given.join(' ')}`)
}

export function defineCommand<const O extends ParseArgsOptionsConfig, const N extends OperandNames = readonly []>(
  spec: CommandSpec<O, N>,
): CliCommand {
  return {
    summary: spec.summary,
    usage: spec.usage,
    async run(argv) {
      const { values, positionals } = parseOptions(argv, { allowPositionals: true, options: spec.options })
      const names: OperandNames = spec.operands ?? []
      if (names !== 'any') checkOperands(names, positionals)
      // Checked above: as many operands as names (or any number for 'any').
      return spec.run(values, positionals as OperandValues<N>)
    },
  }
}

/** An option that takes a value (`--name <value>`), with the value used when it is not given. */
export function valueOption(): { type: 'string' }
export function valueOption(fallback: string): { type: 'string'; default: string }
export function valueOption(fallback?: string): { type: 'string'; default?: string } {
  return fallback === undefined ? { type: 'string' } : { type: 'string', default: fallback }
}

/** An on/off switch (`--name`), off unless given. */
export function flagOption(): { type: 'boolean'; default: false } {
  return { type: 'boolean', default: false }
}
