/**
 * `npx ausculta` from the build: bin/ausculta.js runs out/main/cli.js, with tsx and every .ts
 * file made unloadable (tests/helpers/forbid-typescript.cjs), as on an install without
 * development dependencies. Builds the app first when there is no build.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { COMMANDS } from '../../../src/main/cli/commands'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const BIN = join(ROOT, 'bin/ausculta.js')
const FORBID = join(ROOT, 'tests/helpers/forbid-typescript.cjs')

/** The environment without the suite's switch to the sources. */
function builtEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.AUSCULTA_CLI_FROM_SOURCE
  return env
}

function runBuilt(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', FORBID, BIN, ...args], { cwd: ROOT, env: builtEnv(), encoding: 'utf8', timeout: 60_000 })
}

beforeAll(() => {
  if (existsSync(join(ROOT, 'out/main/cli.js')) && existsSync(join(ROOT, 'out/renderer/index.html'))) return
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`)
}, 300_000)

describe('the built CLI (no TypeScript at run time)', () => {
  it('--help lists every command of the table, version prints the package version', () => {
    const help = runBuilt(['--help'])
    expect(help.stderr).toBe('')
    expect(help.status).toBe(0)
    const listed = [...help.stdout.matchAll(/^ {2}(\S+) /gm)].map((m) => m[1])
    expect(listed).toEqual(Object.keys(COMMANDS).sort())
    const version = runBuilt(['version'])
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(version.stdout).toBe(`ausculta ${pkg.version}\n`)
  })

  it('an unknown command is a usage error naming the commands (exit 2)', () => {
    const result = runBuilt(['no-such-command'])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(`Commands: ${Object.keys(COMMANDS).sort().join(', ')}`)
  })

  it('serve starts from the build and serves the app with its token', async () => {
    const dataDir = testTempDir('ausculta-built-cli-')
    const args = ['--require', FORBID, BIN, 'serve', '--port', '0', '--no-devices', '--no-demo', '--data-dir', dataDir]
    const child = spawn(process.execPath, args, { cwd: ROOT, env: builtEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = ''
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          const match = /Ausculta browser mode: (http:\/\/\S+)/.exec(stdout)
          if (match) resolve(match[1]!)
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
      })
      const page = await fetch(url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<!doctype html>')
      expect(stderr).toBe('')
    } finally {
      // Stopped before the data folder goes: it writes there until it exits.
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    }
  })
})
