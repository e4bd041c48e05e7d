/**
 * Patient data never leaves the laptop except to the clinic's own PACS when a user sets one
 * (docs/sharing.md): the built bundle names no remote URL it could load, the sources use no
 * network API outside browser mode's loopback server, its client and the DICOMweb client (which
 * talks only to the configured PACS address), and a running browser-mode process holds no socket
 * except on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { request } from 'node:http'

const ROOT = join(__dirname, '../../..')
const OUT = join(ROOT, 'out')
const built = existsSync(join(OUT, 'renderer/index.html'))

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path, pattern) : pattern.test(name) ? [path] : []
  })
}

/**
 * URLs that occur in bundled libraries only as text, never loaded: XML namespaces, JSON-schema
 * identifiers (zod), Svelte's error-documentation links in its error messages, a cuid licence
 * comment, a truncated example in zod's URL validation messages, and zod's IPv6 URL templates.
 */
const TEXT_ONLY_URL_PREFIXES = [
  'http://www.w3.org/',
  'https://www.w3.org/',
  'http://json-schema.org/',
  'https://json-schema.org/',
  'https://svelte.dev/e/',
  'https://svelte.dev/docs/',
  'https://github.com/paralleldrive/cuid',
  'https://exa',
  // zod's URL helpers format IPv6 hosts as text templates ("http://[${value}]").
  'http://[',
  // Code-system identifiers written into DICOM and FHIR objects (names, never fetched).
  'http://loinc.org',
  'http://snomed.info/sct',
  'http://unitsofmeasure.org',
  'http://terminology.hl7.org/CodeSystem/',
  'http://dicom.nema.org/resources/ontology/DCM',
  // The PACS address field's placeholder text.
  'http://pacs.local:8042/dicom-web',
  // The loopback server's own address and its Host/Origin checks (templates in the CLI bundle).
  'http://127.0.0.1:',
  'http://${',
]

describe('no network', () => {
  it.skipIf(!built && process.env['CI'] !== 'true')('the built bundle contains no URL outside the text-only allowlist', () => {
    const offending: string[] = []
    for (const file of files(OUT, /\.(js|cjs|mjs|html|css|json)$/)) {
      for (const url of readFileSync(file, 'utf8').match(/https?:\/\/[^\s"'`)<>\\]+/g) ?? []) {
        if (!TEXT_ONLY_URL_PREFIXES.some((prefix) => url.startsWith(prefix))) offending.push(`${relative(ROOT, file)}: ${url}`)
      }
    }
    expect(offending).toEqual([])
  })

  it('uses network APIs only in browser mode (loopback server and its same-origin client)', () => {
    const allowed = new Set([
      'src/main/browser/browser-server.ts',
      'src/main/api/ws-transport.ts',
      'src/renderer/src/lib/api.ts',
      // Only to the PACS address the user configured (pacs.json), never anywhere by default.
      'src/main/sharing/dicomweb-client.ts',
    ])
    const networkApi = new RegExp(
      [
        // Not the API channel 'pacs:fetch' or a method named fetch: a call of the global fetch.
        String.raw`(?<![.:'\w])fetch\s*\(`,
        String.raw`\bhttps?\.(request|get)\s*\(`,
        String.raw`\bnet\.(connect|createConnection)\s*\(`,
        String.raw`new\s+WebSocket\s*\(`,
        String.raw`\bdgram\b`,
        'XMLHttpRequest',
        String.raw`new\s+EventSource`,
        'sendBeacon',
        String.raw`\.listen\s*\(`,
      ].join('|'),
    )
    const users = files(join(ROOT, 'src'), /\.(ts|svelte|js|cjs)$/)
      .filter((file) => networkApi.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file))
    for (const user of users) expect(allowed.has(user), `${user} uses a network API`).toBe(true)
  })

  it.skipIf(!built && process.env['CI'] !== 'true')('a running browser-mode server holds sockets on 127.0.0.1 only', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/ausculta.js'), 'serve', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = ''
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 30_000)
        child.stdout.on('data', (data: Buffer) => {
          output += data.toString()
          const match = output.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/)
          if (match) {
            clearTimeout(timer)
            resolve(match[0])
          }
        })
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)))
      })
      const port = Number(new URL(url).port)
      // One request, so an accepted connection exists too.
      await new Promise<void>((resolve) =>
        request({ host: '127.0.0.1', port, path: '/', headers: { host: `127.0.0.1:${port}` } }, (res) =>
          res.resume().on('end', resolve),
        ).end(),
      )
      // A second for whatever else the server would open (a late listener, a call home) to show up:
      // an observation period, not a wait for a condition.
      await new Promise((resolve) => setTimeout(resolve, 1000))

      const socketInodes = new Set(
        readdirSync(`/proc/${child.pid}/fd`)
          .map((fd) => {
            try {
              return readlinkSync(`/proc/${child.pid}/fd/${fd}`)
            } catch {
              return ''
            }
          })
          .map((target) => target.match(/^socket:\[(\d+)\]$/)?.[1])
          .filter((inode): inode is string => inode !== undefined),
      )
      const inetSockets: string[] = []
      for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
        for (const line of readFileSync(`/proc/${child.pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
          const fields = line.trim().split(/\s+/)
          if (socketInodes.has(fields[9] as string)) inetSockets.push(`${table} ${fields[1]} -> ${fields[2]}`)
        }
      }
      expect(inetSockets.length).toBeGreaterThan(0)
      // /proc addresses are little-endian hex: 0100007F = 127.0.0.1; IPv4-mapped in tcp6 as 0000000000000000FFFF00000100007F.
      for (const socket of inetSockets) {
        const [, local, remote] = socket.match(/^\S+ (\S+) -> (\S+)$/) as RegExpMatchArray
        const loopback = (address: string): boolean => /^(0100007F|0000000000000000FFFF00000100007F):/.test(address)
        const unconnected = (address: string): boolean => /^0+:0000$/.test(address)
        expect(loopback(local as string), socket).toBe(true)
        expect(loopback(remote as string) || unconnected(remote as string), socket).toBe(true)
      }
    } finally {
      child.kill('SIGTERM')
    }
  })
})
