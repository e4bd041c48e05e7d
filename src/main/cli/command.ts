/** The shape every `ausculta <command>` module exports (src/main/cli/commands/<name>.ts). */
export interface CliCommand {
  /** One line for `ausculta --help`. */
  readonly summary: string
  /** Usage text printed by `ausculta <command> --help` and on argument errors. */
  readonly usage: string
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>
}

/** Wrong or missing command-line arguments: printed with the command's usage, exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliUsageError'
  }
}
