/**
 * A private PulseAudio daemon per test file (its own XDG_RUNTIME_DIR), started with the repo's
 * scripts/start-pulse.sh: a null sink `ausculta_sink` and `ausculta_mic` recording what plays into it.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REPO = join(__dirname, '../../../..')

export interface PulseDaemon {
  pid: number
  runtimeDir: string
  env: NodeJS.ProcessEnv
  /** plays a WAV into ausculta_sink; resolves when paplay exits */
  play(wavPath: string): Promise<number>
  kill(signal?: NodeJS.Signals): Promise<void>
}

export function startPulse(): PulseDaemon {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'ausculta-pulse-'))
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir, PULSE_SERVER: `unix:${join(runtimeDir, 'pulse/native')}` }
  const result = spawnSync('bash', [join(REPO, 'scripts/start-pulse.sh')], { env, encoding: 'utf8', timeout: 20_000 })
  const match = /pulseaudio pid (\d+)/.exec(result.stdout ?? '')
  if (result.status !== 0 || !match) throw new Error(`start-pulse.sh failed (exit ${result.status}): ${result.stdout}${result.stderr}`)
  const pid = Number(match[1])
  // the addon (ALSA pulse plugin) reads these from this process's environment when it connects
  process.env.XDG_RUNTIME_DIR = runtimeDir
  process.env.PULSE_SERVER = env.PULSE_SERVER
  return {
    pid,
    runtimeDir,
    env,
    play(wavPath) {
      return new Promise((resolve, reject) => {
        const child = spawn('paplay', ['--device=ausculta_sink', wavPath], { env, stdio: 'inherit' })
        child.on('error', reject)
        child.on('exit', (code) => resolve(code ?? -1))
      })
    },
    async kill(signal = 'SIGKILL') {
      try {
        process.kill(pid, signal)
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50))
      rmSync(runtimeDir, { recursive: true, force: true })
    },
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
