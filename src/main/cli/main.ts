/**
 * `ausculta` entry point: dispatches to src/main/cli/commands/<name>.ts, so each command lives in
 * its own module and adding one never touches this file.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { AuscultaError } from '../../core/errors'
import { setWavWarningHandler } from '../io/wav-file'
import { CliUsageError, type CliCommand } from './command'

const COMMANDS_DIR = join(__dirname, 'commands')

function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -3))
    .sort()
}

async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name)) return undefined
  const file = join(COMMANDS_DIR, `${name}.ts`)
  if (!existsSync(file)) return undefined
  // require, not import(): the CLI runs as CommonJS through tsx, whose ESM hook is not loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(file) as { command: CliCommand }
  return module.command
}

async function printHelp(): Promise<void> {
  const lines = ['Usage: ausculta <command> [options]', '', 'Commands:']
  for (const name of commandNames()) {
    const command = await loadCommand(name)
    if (command) lines.push(`  ${name.padEnd(10)} ${command.summary}`)
  }
  lines.push('', "Run `ausculta <command> --help` for a command's options.")
  process.stdout.write(lines.join('\n') + '\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await printHelp()
    return name === undefined ? 2 : 0
  }
  const command = await loadCommand(name)
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
