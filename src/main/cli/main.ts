/**
 * `ausculta` entry point: dispatches to the commands of the fixed table in commands/index.ts
 * (each in its own module). Runs from the build (out/main/cli.js, bin/ausculta.js) or from the
 * sources through tsx (tests, a checkout before its first build).
 */
import { AuscultaError } from '../../core/errors'
import { setWavWarningHandler } from '../io/wav-file'
import { CliUsageError, type CliCommand } from './command'
import { COMMANDS } from './commands'

function commandNames(): string[] {
  return Object.keys(COMMANDS).sort()
}

function findCommand(name: string): CliCommand | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
}

function printHelp(): void {
  const lines = ['Usage: ausculta <command> [options]', '', 'Commands:']
  for (const name of commandNames()) lines.push(`  ${name.padEnd(12)} ${COMMANDS[name]!.summary}`)
  lines.push('', "Run `ausculta <command> --help` for a command's options.")
  process.stdout.write(lines.join('\n') + '\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printHelp()
    return name === undefined ? 2 : 0
  }
  const command = findCommand(name)
  if (!command) {
    process.stderr.write(`ausculta: unknown command '${name}'. Commands: ${commandNames().join(', ')}\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage + '\n')
    return 0
  }
  // A WAV's defects (a declared size the file does not hold, a file too short to analyse…) are
  // said on stderr, named by the command, whichever code path read the file.
  setWavWarningHandler((warning) => {
    const clearProgressLine = process.stderr.isTTY ? '\r\x1b[K' : ''
    process.stderr.write(`${clearProgressLine}ausculta ${name}: warning: ${warning}\n`)
  })
  try {
    return await command.run(rest)
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`ausculta ${name}: ${error.message}\n\n${command.usage}\n`)
      return 2
    }
    if (error instanceof AuscultaError) {
      process.stderr.write(`ausculta ${name}: ${error.name}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

/** Runs the CLI with the process's arguments and sets the exit code (used by bin/ausculta.js). */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`ausculta: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exitCode = 70
    },
  )
}
