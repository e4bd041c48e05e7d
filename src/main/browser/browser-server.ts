/**
 * Browser mode: the built renderer served on loopback, for machines without Electron's binary and
 * for the end-to-end tests. Requests must carry the expected Host header (DNS-rebinding guard).
 */
import { createReadStream } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { ApiHandlers } from '../../core/api/contract'
import { AuscultaError } from '../../core/errors'
import { attachWsTransport, type ApiEventSource, type WsTransport } from '../api/ws-transport'
import { contentTypeOf, resolveStaticFile } from './static-files'

export class BrowserServerError extends AuscultaError {}

export interface BrowserServerOptions {
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** The API over WebSocket at /api, guarded by this token (passed to the page as `?token=`). */
  api?: { handlers: ApiHandlers; events: ApiEventSource; token: string }
}

export interface RunningBrowserServer {
  /** http://127.0.0.1:<port>/?token=… (reachable unless `host` names another single address: see `urls`). */
  readonly url: string
  /**
   * Every address the server answers on, loopback first: with `--listen 0.0.0.0` (or `::`) one per
   * address of the machine's network interfaces, never the unusable wildcard itself.
   */
  readonly urls: readonly string[]
  readonly port: number
  readonly server: Server
  readonly ws: WsTransport | null
  close(): Promise<void>
}

const SECURITY_HEADERS: Record<string, string> = {
  // connect-src 'self' covers ws: to the same host and port in current Chromium and Firefox.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

/** Whether `host` binds every interface: the machine is then reached by its interfaces' addresses. */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host)
}

/**
 * The machine's addresses as a Host header names them (IPv6 in brackets). Link-local IPv6
 * (fe80::/10) is left out: browsers cannot put its zone id in a URL. `::` serves IPv4 too.
 */
function interfaceHostNames(host: string): string[] {
  const names: string[] = []
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4') names.push(address.address)
      else if (host !== '0.0.0.0' && !/^fe[89ab]/i.test(address.address)) names.push(`[${address.address}]`)
    }
  }
  return names
}

/**
 * Loopback names always; the explicit listen address too when one was given (`--listen`), or, for a
 * wildcard, every interface address (read again on each request: an address can change under DHCP).
 */
function allowedHostNames(host: string): string[] {
  const names = ['127.0.0.1', 'localhost']
  const extra = isWildcardHost(host) ? interfaceHostNames(host) : [host.includes(':') ? `[${host}]` : host]
  for (const name of extra) if (!names.includes(name)) names.push(name)
  return names
}

function isAllowedHost(hostHeader: string | undefined, port: number, names: readonly string[]): boolean {
  return hostHeader !== undefined && names.some((name) => hostHeader === `${name}:${port}`)
}

export function startBrowserServer(options: BrowserServerOptions): Promise<RunningBrowserServer> {
  const host = options.host ?? '127.0.0.1'
  /** Shared with the WebSocket transport, refreshed in place before each request and upgrade. */
  const hostNames = allowedHostNames(host)
  const refreshHostNames = (): void => {
    if (!isWildcardHost(host)) return
    hostNames.splice(0, hostNames.length, ...allowedHostNames(host))
  }
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const port = (server.address() as AddressInfo).port
    refreshHostNames()
    if (!isAllowedHost(request.headers.host, port, hostNames)) {
      response.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request: unexpected Host header\n')
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    const filePath = resolveStaticFile(options.rendererDir, request.url ?? '/')
    if (!filePath) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n')
      return
    }
    response.writeHead(200, { 'Content-Type': contentTypeOf(filePath), ...SECURITY_HEADERS })
    if (request.method === 'HEAD') response.end()
    else {
      const stream = createReadStream(filePath)
      // A file that vanishes between the lookup and the open fails this response, not the process.
      stream.once('error', () => response.destroy())
      stream.pipe(response)
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new BrowserServerError(`cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error })),
    )
    server.listen(options.port ?? 0, host, () => {
      const port = (server.address() as AddressInfo).port
      const extraHosts = hostNames.slice(2)
      // Registered before the transport's own listener, so its Host check sees current addresses.
      if (isWildcardHost(host)) {
        server.on('upgrade', () => {
          refreshHostNames()
          extraHosts.splice(0, extraHosts.length, ...hostNames.slice(2))
        })
      }
      const ws = options.api ? attachWsTransport({ server, ...options.api, port: () => port, extraHosts }) : null
      const query = options.api ? `?token=${encodeURIComponent(options.api.token)}` : ''
      // Bound to one address: that one. Bound to all: loopback and every interface address.
      const served =
        host === '127.0.0.1' || host === 'localhost'
          ? ['127.0.0.1']
          : isWildcardHost(host)
            ? ['127.0.0.1', ...hostNames.slice(2)]
            : hostNames.slice(2)
      resolve({
        url: `http://127.0.0.1:${port}/${query}`,
        urls: served.map((name) => `http://${name}:${port}/${query}`),
        port,
        server,
        ws,
        close: async () => {
          await ws?.close()
          server.closeAllConnections()
          await new Promise<void>((done) => server.close(() => done()))
        },
      })
    })
  })
}
