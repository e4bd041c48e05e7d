import { appVersion } from '../../app-root'
import { defineCommand } from '../define-command'

export const command = defineCommand({
  summary: 'print the Ausculta version',
  usage: 'Usage: ausculta version',
  options: {},
  async run() {
    process.stdout.write(`ausculta ${appVersion()}\n`)
    return 0
  },
})
