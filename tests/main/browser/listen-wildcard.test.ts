/**
 * `--listen 0.0.0.0` (issue 20, item 5): the server prints one usable address per network
 * interface instead of the wildcard, and answers the machine's real address (HTTP and the
 * WebSocket handshake) while still refusing a foreign Host. Real sockets to this machine's own
 * interface address (no traffic leaves it); skipped with a notice where the machine has no
 * non-loopback IPv4 address.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBackend } from '../../../src/main/api/create-backend'
import { startBrowserServer } from '../../../src/main/browser/browser-server'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address
if (!lanAddress) console.warn('listen-wildcard.test: no non-loopback IPv4 address on this machine: skipped')
const built = existsSync(join(ROOT, 'out/renderer/index.html'))

function get(host: string, port: number, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host, port, path: '/', headers: { host: hostHeader } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
      .on('error', reject)
      .end()
  })
}

/** Opens the API WebSocket the way the page served from `name` would; resolves 'open' or the refusal. */
function wsHandshake(name: string, port: number, token: string, origin = `http://${name}:${port}`): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://${name}:${port}/api?token=${token}`, { origin })
    socket.once('open', () => {
      socket.close()
      resolve('open')
    })
    socket.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`))
    socket.once('error', (error) => resolve(`error ${error.message}`))
  })
}

describe.skipIf(!lanAddress)('browser mode on every interface', () => {
  it('lists the real addresses, serves them, and refuses foreign Hosts', async () => {
    const address = lanAddress as string
    const dataDir = testTempDir('ausculta-listen-wildcard-')
    const rendererDir = join(dataDir, 'renderer')
    mkdirSync(rendererDir)
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>')
    const service = await createBackend({ mode: 'browser', dataDir: join(dataDir, 'data'), devices: false, modelPath: null })
    const token = 'test-token'
    const server = await startBrowserServer({
      rendererDir,
      host: '0.0.0.0',
      port: 0,
      api: { handlers: service.handlers, events: service, token },
    })
    try {
      expect(server.urls).toContain(`http://${address}:${server.port}/?token=${token}`)
      expect(server.urls[0]).toBe(`http://127.0.0.1:${server.port}/?token=${token}`)
      expect(server.urls.join(' ')).not.toContain('0.0.0.0')
      expect(await get(address, server.port, `${address}:${server.port}`)).toBe(200)
      expect(await get('127.0.0.1', server.port, `127.0.0.1:${server.port}`)).toBe(200)
      expect(await get(address, server.port, `evil.example:${server.port}`)).toBe(421)
      expect(await wsHandshake(address, server.port, token)).toBe('open')
      expect(await wsHandshake(address, server.port, token, `http://evil.example:${server.port}`)).toBe('HTTP 403')
    } finally {
      await server.close()
      await service.dispose()
    }
  })

  it.skipIf(!built && process.env['CI'] !== 'true')(
    '`ausculta serve --listen 0.0.0.0` prints the interface address, which answers 200',
    async () => {
      const address = lanAddress as string
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin/ausculta.js'),
          'serve',
          '--listen',
          '0.0.0.0',
          '--no-devices',
          '--no-demo',
          '--data-dir',
          testTempDir('ausculta-listen-serve-'),
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      try {
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout} ${stderr}`)), 30_000)
          child.stdout.on('data', (d: Buffer) => {
            stdout += d.toString()
            const match = stdout.match(new RegExp(`http://${address.replace(/\./g, '\\.')}:(\\d+)/\\?token=`))
            if (match) {
              clearTimeout(timer)
              resolve(Number(match[1]))
            }
          })
        })
        expect(stdout).not.toContain('0.0.0.0')
        expect(stderr).toMatch(/WARNING: browser mode is listening on every network interface/)
        expect(await get(address, port, `${address}:${port}`)).toBe(200)
      } finally {
        child.kill('SIGTERM')
      }
    },
  )
})
