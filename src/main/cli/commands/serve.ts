import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startBrowserServer, BrowserServerError } from '../../browser/browser-server'
import { CliUsageError, type CliCommand } from '../command'

const usage = `Usage: ausculta serve [--port <n>]

Browser mode: serves the built app (run \`npm run build\` first) on http://127.0.0.1:<port>/.`

export const command: CliCommand = {
  summary: 'browser mode: serve the app on 127.0.0.1',
  usage,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '0' } }, strict: true })
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port must be 0–65535, got '${values.port}'`)
    const rendererDir = join(__dirname, '../../../../out/renderer')
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new BrowserServerError(`${rendererDir}: no built app found; run \`npm run build\` first`)
    }
    const running = await startBrowserServer({ rendererDir, port })
    process.stdout.write(`Ausculta browser mode: ${running.url}\n`)
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        void running.close().then(resolve)
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    return 0
  },
}
