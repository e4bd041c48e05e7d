/** A socat pty pair: two linked serial ports, like a USB cable with a device on one end. */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface PtyPair {
  /** device end (the simulator opens this) */
  deviceEnd: string
  /** host end (the app opens this) */
  hostEnd: string
  process: ChildProcess
  kill(): Promise<void>
}

export async function startPtyPair(dir: string, name = 'pty'): Promise<PtyPair> {
  const deviceEnd = join(dir, `${name}-device`)
  const hostEnd = join(dir, `${name}-host`)
  const child = spawn('socat', [`pty,raw,echo=0,link=${deviceEnd}`, `pty,raw,echo=0,link=${hostEnd}`], { stdio: 'ignore' })
  const started = Date.now()
  while (!(existsSync(deviceEnd) && existsSync(hostEnd))) {
    if (Date.now() - started > 5000 || child.exitCode !== null) throw new Error(`socat did not create ${deviceEnd} and ${hostEnd}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return {
    deviceEnd,
    hostEnd,
    process: child,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}
