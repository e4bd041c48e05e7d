/**
 * Browser mode binds 127.0.0.1 unless an address is given explicitly with --listen, and then
 * warns. 127.0.0.2 stands for "another address": it is on this machine (loopback range), so the
 * test sends no traffic off it.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { checkWsHandshake } from '../../../src/main/api/ws-transport'

const ROOT = join(__dirname, '../../..')
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

describe('browser mode --listen', () => {
  it('the WebSocket handshake accepts the explicit listen address only when it was given', () => {
    const request = (host: string): { url: string; headers: Record<string, string> } => ({
      url: '/api?token=t',
      headers: { host: `${host}:8000`, origin: `http://${host}:8000` },
    })
    expect(checkWsHandshake(request('127.0.0.2'), 't', 8000)).toMatch(/unexpected Host/)
    expect(checkWsHandshake(request('127.0.0.2'), 't', 8000, ['127.0.0.2'])).toBeNull()
    expect(checkWsHandshake(request('evil.example'), 't', 8000, ['127.0.0.2'])).toMatch(/unexpected Host/)
  })

  it.skipIf(!built && process.env['CI'] !== 'true')(
    'serves on the given address with a printed warning, and still refuses foreign Host headers',
    async () => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/ausculta.js'), 'serve', '--listen', '127.0.0.2', '--no-devices', '--no-demo'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
      try {
        const port = await new Promise<number>((resolve, reject) => {
          let output = ''
          const timer = setTimeout(() => reject(new Error(`no URL printed: ${output} ${stderr}`)), 30_000)
          child.stdout.on('data', (data: Buffer) => {
            output += data.toString()
            const match = output.match(/http:\/\/127\.0\.0\.2:(\d+)\//)
            if (match) {
              clearTimeout(timer)
              resolve(Number(match[1]))
            }
          })
        })
        expect(stderr).toMatch(/WARNING: browser mode is listening on 127\.0\.0\.2/)
        expect(await get('127.0.0.2', port, `127.0.0.2:${port}`)).toBe(200)
        expect(await get('127.0.0.2', port, `evil.example:${port}`)).toBe(421)
        // Bound to the given address, not to every interface: 127.0.0.1 gets no answer.
        await expect(get('127.0.0.1', port, `127.0.0.1:${port}`)).rejects.toThrow(/ECONNREFUSED/)
      } finally {
        child.kill('SIGTERM')
      }
    },
  )
})
