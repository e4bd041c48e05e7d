import { appVersion } from '../../app-root'
import type { CliCommand } from '../command'
import { parseOptions } from '../parse-options'

export const command: CliCommand = {
  summary: 'print the Ausculta version',
  usage: 'Usage: ausculta version',
  async run(argv) {
    parseOptions(argv, { options: {} })
    process.stdout.write(`ausculta ${appVersion()}\n`)
    return 0
  },
}
