/**
 * The click-train latency rig shared by `npm run bench:listen` and the live-listening latency
 * test: a private PulseAudio with the listening bench's null sinks, the click train played into
 * it, and click-onset detection in what comes back.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CLICK_PERIOD_S = 0.5
/** The rate the click train is played at into `ausculta_in`. */
export const PLAY_RATE_HZ = 48000
/** Clicks are detected above a quarter of their 0.5 amplitude after at least 0.25 s below it. */
export const CLICK_THRESHOLD = 0.125
export const CLICK_GAP_S = 0.25

export interface ListenPulse {
  pid: number
  runtimeDir: string
  env: NodeJS.ProcessEnv
}

/** Starts scripts/start-pulse-listen.sh in a fresh runtime folder and points this process's ALSA pulse plugin at it. */
export function startListenPulse(prefix: string): ListenPulse {
  const runtimeDir = mkdtempSync(join(tmpdir(), prefix))
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir, PULSE_SERVER: `unix:${join(runtimeDir, 'pulse/native')}` }
  const result = spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'start-pulse-listen.sh')], {
    env,
    encoding: 'utf8',
    timeout: 20_000,
  })
  const match = /pulseaudio pid (\d+)/.exec(result.stdout ?? '')
  if (result.status !== 0 || !match)
    throw new Error(`start-pulse-listen.sh failed (exit ${result.status}): ${result.stdout}${result.stderr}`)
  // The addon's ALSA pulse plugin reads these from this process's environment when it connects.
  process.env.XDG_RUNTIME_DIR = runtimeDir
  process.env.PULSE_SERVER = env.PULSE_SERVER
  return { pid: Number(match[1]), runtimeDir, env }
}

/** A click: 4 ms of a 400-Hz tone burst (inside every listening band) at half scale, every CLICK_PERIOD_S from 0.5 s. */
export function clickTrain(seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * PLAY_RATE_HZ))
  const clickLength = Math.round(0.004 * PLAY_RATE_HZ)
  for (let start = Math.round(0.5 * PLAY_RATE_HZ); start + clickLength < x.length; start += Math.round(CLICK_PERIOD_S * PLAY_RATE_HZ)) {
    for (let k = 0; k < clickLength; k++) x[start + k] = 0.5 * Math.sin((2 * Math.PI * 400 * k) / PLAY_RATE_HZ)
  }
  return x
}

/** Frames where the signal first exceeds `threshold` after at least `gapFrames` below it. */
export function clickOnsets(samples: readonly number[], gapFrames: number, threshold = CLICK_THRESHOLD): number[] {
  const found: number[] = []
  let last = -Infinity
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > threshold) {
      if (i - last > gapFrames) found.push(i)
      last = i
    }
  }
  return found
}
