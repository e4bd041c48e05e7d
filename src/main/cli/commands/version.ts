import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CliCommand } from '../command'
import { parseOptions } from '../parse-options'

export const command: CliCommand = {
  summary: 'print the Ausculta version',
  usage: 'Usage: ausculta version',
  async run(argv) {
    parseOptions(argv, { options: {} })
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as { version: string }
    process.stdout.write(`ausculta ${pkg.version}\n`)
    return 0
  },
}
