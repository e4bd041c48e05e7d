/**
 * A real recorder in a child process (recording-child.ts): started, left running or SIGKILLed
 * after some audio, so tests see the lock and the files exactly as a live or crashed app leaves them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const CHILD = join(__dirname, 'recording-child.ts')
/** 21.0 s, 4 kHz, 16-bit: the child is still recording when the tests act. */
export const RECORDING_SOURCE_WAV = join(__dirname, '../../../../samples/50238_MV.wav')

export interface RecordingProcess {
  child: ChildProcess
  pid: number
  dir: string
  /** Frames the child last reported as written. */
  framesWritten(): number
  /** SIGKILL (a crash: no cleanup runs) and wait until the process is gone. */
  kill(): Promise<void>
}

/** Starts a recording child and resolves once it has written at least `minFrames` frames. */
export function startRecordingProcess(dataDir: string, minFrames: number): Promise<RecordingProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, RECORDING_SOURCE_WAV], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    let buffered = ''
    let stderr = ''
    let dir = ''
    let written = 0
    let resolved = false
    // tsx compiles on the fly on a loaded 2-core machine: allow it half a minute to start.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`recording child wrote ${written} frames in 30 s: ${stderr}`))
    }, 30_000)
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const msg = JSON.parse(line) as { event: string; dir?: string; framesWritten?: number }
        if (msg.event === 'started') dir = msg.dir ?? ''
        if (msg.event === 'progress') written = msg.framesWritten ?? 0
        if (!resolved && dir && written >= minFrames) {
          resolved = true
          clearTimeout(timer)
          resolve({
            child,
            pid: child.pid as number,
            dir,
            framesWritten: () => written,
            kill: async () => {
              child.kill('SIGKILL')
              await exited
            },
          })
        }
      }
    })
    child.once('exit', (code, signal) => {
      if (!resolved) {
        clearTimeout(timer)
        reject(new Error(`recording child exited (${code ?? signal}) before writing ${minFrames} frames: ${stderr}`))
      }
    })
  })
}
