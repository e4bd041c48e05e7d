/** Runs `ausculta simulate` as a separate process, as a user or a firmware author would. */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const BIN = join(__dirname, '../../../../bin/ausculta.js')

export interface Simulator {
  process: ChildProcess
  stderr(): string
  exited: Promise<number | null>
  /** frames_sent / frames_corrupted from its last "stopped" line */
  counts(): { framesSent: number; framesCorrupted: number } | undefined
}

export async function startSimulator(args: string[]): Promise<Simulator> {
  const child = spawn(process.execPath, [BIN, 'simulate', ...args], { stdio: ['ignore', 'inherit', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (text: string) => {
    stderr += text
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const started = Date.now()
  // tsx compiles the CLI on first run: allow for a slow, shared CI machine
  while (!/waiting for START|streaming/.test(stderr)) {
    if (child.exitCode !== null || Date.now() - started > 30_000) throw new Error(`simulator did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  return {
    process: child,
    stderr: () => stderr,
    exited,
    counts() {
      const matches = [...stderr.matchAll(/frames_sent=(\d+) frames_corrupted=(\d+)/g)]
      const last = matches.at(-1)
      return last ? { framesSent: Number(last[1]), framesCorrupted: Number(last[2]) } : undefined
    },
  }
}
