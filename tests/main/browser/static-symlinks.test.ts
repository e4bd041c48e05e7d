/**
 * The static server does not follow symlinks out of the app's folder (issue 20, item 5): real
 * symlinks in a real renderer folder, served by the real browser-mode server over HTTP. A link to
 * a file outside, a link to a folder outside and a dangling link answer 404; a link that stays
 * inside the folder is served.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startBrowserServer } from '../../../src/main/browser/browser-server'
import { resolveStaticFile } from '../../../src/main/browser/static-files'
import { testTempDir } from '../../helpers/temp-dir'

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
      .on('error', reject)
      .end()
  })
}

describe('static files and symlinks', () => {
  it('links leading out of the renderer folder are 404; a link within it is served', async () => {
    const base = testTempDir('ausculta-static-links-')
    const app = join(base, 'renderer')
    const outside = join(base, 'private')
    mkdirSync(join(app, 'assets'), { recursive: true })
    mkdirSync(outside)
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>app</title>')
    writeFileSync(join(app, 'assets', 'app.js'), 'console.log("app")')
    writeFileSync(join(outside, 'secret.txt'), 'patient data')
    symlinkSync(join(outside, 'secret.txt'), join(app, 'leak.txt'))
    symlinkSync(outside, join(app, 'assets', 'private'))
    symlinkSync('/etc/passwd', join(app, 'passwd.js'))
    symlinkSync(join(base, 'nowhere'), join(app, 'dangling.js'))
    symlinkSync(join(app, 'assets', 'app.js'), join(app, 'alias.js'))

    expect(resolveStaticFile(app, '/leak.txt')).toBeNull()
    expect(resolveStaticFile(app, '/assets/private/secret.txt')).toBeNull()
    expect(resolveStaticFile(app, '/alias.js')).toBe(join(app, 'assets', 'app.js'))

    const server = await startBrowserServer({ rendererDir: app, port: 0 })
    try {
      // Links out, and path traversal in every spelling a client can send (raw, encoded, mixed, backslashes, a NUL).
      const refused = ['/leak.txt', '/assets/private/secret.txt', '/passwd.js', '/dangling.js', '/%2e%2e/private/secret.txt']
      refused.push(
        '/../private/secret.txt',
        '/assets/../../private/secret.txt',
        '/..%2fprivate%2fsecret.txt',
        '/%2e%2e%2fprivate/secret.txt',
      )
      refused.push(
        '/assets/..%5c..%5cprivate%5csecret.txt',
        '/..\\private\\secret.txt',
        '/index.html%00.js',
        '/%252e%252e/private/secret.txt',
      )
      for (const path of refused) {
        const res = await get(server.port, path)
        expect(res.status, path).toBe(404)
        expect(res.body).not.toContain('patient data')
      }
      expect(await get(server.port, '/alias.js')).toEqual({ status: 200, body: 'console.log("app")' })
      expect((await get(server.port, '/')).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('a renderer folder reached through a symlink still serves its own files', () => {
    const base = testTempDir('ausculta-static-root-link-')
    mkdirSync(join(base, 'real'))
    writeFileSync(join(base, 'real', 'index.html'), 'x')
    symlinkSync(join(base, 'real'), join(base, 'linked'))
    expect(resolveStaticFile(join(base, 'linked'), '/')).toBe(join(base, 'real', 'index.html'))
  })
})
