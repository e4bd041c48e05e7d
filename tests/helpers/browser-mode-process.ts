/**
 * Starts tests/helpers/browser-mode-server.ts in a child process and talks to it: its address and
 * token, whether it is still alive, its memory (from /proc), and an API client over a real
 * WebSocket (the package `ws`, through the same client code the renderer uses).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import WebSocket from 'ws'
import { createApiClient, type AuscultaApi } from '../../src/core/api/contract'
import { createWsClientTransport, type WebSocketLike } from '../../src/core/api/ws-client'
import { stopProcess } from './child-process'

const ROOT = join(__dirname, '../..')

export interface BrowserModeProcess {
  readonly port: number
  readonly token: string
  readonly pid: number
  /** The exit code or signal, once the process has ended; null while it runs. */
  exitStatus(): string | null
  /** Everything it wrote to stderr so far (a crash's stack trace ends up here). */
  stderr(): string
  /** Resident memory now and its peak so far, in bytes (Linux /proc). */
  memory(): { rssBytes: number; peakRssBytes: number }
  stop(): Promise<void>
}

export async function startBrowserModeProcess(options: {
  dataDir: string
  rendererDir: string
  /** An encoder to load (default none: the classical estimator). */
  modelPath?: string
}): Promise<BrowserModeProcess> {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      join(ROOT, 'tests/helpers/browser-mode-server.ts'),
      options.dataDir,
      options.rendererDir,
      ...(options.modelPath ? [options.modelPath] : []),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stderr = ''
  let exitStatus: string | null = null
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exitStatus = signal ? `signal ${signal}` : `code ${code}`
      resolve()
    }),
  )
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
  const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error(`browser-mode server did not start within 60 s: ${stdout} ${stderr}`)), 60_000)
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString()
      const match = stdout.match(/^READY (\{.*\})$/m)
      if (match) {
        clearTimeout(timer)
        resolve(JSON.parse(match[1] as string) as { port: number; token: string })
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`browser-mode server exited (${exitStatus}) before it was ready: ${stderr}`))
    })
  })
  const pid = child.pid as number
  return {
    ...ready,
    pid,
    exitStatus: () => exitStatus,
    stderr: () => stderr,
    memory: () => {
      if (exitStatus !== null) throw new Error(`the browser-mode server process ended (${exitStatus}):\n${stderr}`)
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = (field: string): number => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? Number.NaN)
      return { rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 }
    },
    stop: () => stopProcess(child),
  }
}

export interface ApiConnection {
  readonly api: AuscultaApi
  readonly socket: WebSocket
  /** The close code once the server closed this connection; null while it is open. */
  closeCode(): number | null
  close(): void
}

/** An API client over a real WebSocket, as the browser-mode page opens it (token, Origin). */
export async function connectApi(server: Pick<BrowserModeProcess, 'port' | 'token'>): Promise<ApiConnection> {
  const origin = `http://127.0.0.1:${server.port}`
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${encodeURIComponent(server.token)}`, { origin })
  let closeCode: number | null = null
  socket.on('close', (code) => (closeCode = code))
  socket.on('error', () => undefined)
  const transport = createWsClientTransport(socket as unknown as WebSocketLike)
  await transport.ready
  return { api: createApiClient(transport), socket, closeCode: () => closeCode, close: () => socket.close() }
}
