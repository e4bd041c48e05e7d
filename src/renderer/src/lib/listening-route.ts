/**
 * Where the live screen's listening controls act. In the Electron app the main process plays the
 * stethoscope on the chosen output device through the audio addon (low latency, the device's own
 * rate), so mute, volume and filter become `listening:set` calls; in browser mode the page's Web
 * Audio plays the strip-chart stream on the browser's speakers. Pure functions: the screen and
 * LiveState call them, tests check them without a window.
 */
import type { ListeningOutputs, ListeningPatch, ListeningStatus } from '../../../core/api/contract'
import { LISTENING_GAIN_MAX_DB } from '../../../core/dsp/listening-path'

export type ListeningRoute = 'web-audio' | 'addon'

export function listeningRouteFor(mode: 'electron' | 'browser'): ListeningRoute {
  return mode === 'electron' ? 'addon' : 'web-audio'
}

/** The volume slider's ×1…×40 as the listening path's gain (0 … +30 dB; above ×31.6 the limiter follows). */
export function sliderGainToDb(gain: number): number {
  return Math.min(LISTENING_GAIN_MAX_DB, Math.max(0, 20 * Math.log10(Math.max(1, gain))))
}

/** A saved gain back on the slider (whole steps, as the slider has). */
export function sliderGainFromDb(gainDb: number): number {
  return Math.min(40, Math.max(1, Math.round(10 ** (gainDb / 20))))
}

/**
 * The Listen button (key L) with the addon: the first press opens the output stream; after that it
 * mutes and unmutes, which keeps the stream open (no re-opening delay, no click).
 */
export function listenTogglePatch(listeningNow: boolean): ListeningPatch {
  return { enabled: true, muted: listeningNow }
}

/**
 * Whether the Listen button shows "Listening" for this status. Not while the output has failed:
 * pressing L then asks to play again, which retries the output (after choosing another device).
 */
export function isAudible(status: ListeningStatus): boolean {
  return status.enabled && !status.muted && status.state !== 'failed'
}

export function outputName(status: ListeningStatus, outputs: ListeningOutputs | null): string {
  if (status.outputDeviceId === null) {
    const fallback = outputs?.devices.find((d) => d.isDefault)
    return fallback ? `System default (${fallback.name})` : 'System default'
  }
  return outputs?.devices.find((d) => d.id === status.outputDeviceId)?.name ?? status.outputDeviceId
}

/** One line beside the controls, e.g. "Headphones (USB) · 45 ms · no dropouts" or "Output device lost — choose another". */
export function listeningStatusLine(status: ListeningStatus | null, outputs: ListeningOutputs | null): string {
  if (!status) return ''
  const name = outputName(status, outputs)
  if (status.error) {
    return status.error.code === 'device-lost'
      ? `Output device lost (${name}) — choose another`
      : `Cannot play on ${name} — choose another (${status.error.message})`
  }
  if (status.state === 'off') return `${name} · off`
  if (status.state === 'waiting') return `${name} · waiting for a source`
  const latency = status.targetLatencyMs === null ? null : `${Math.round(status.targetLatencyMs)} ms`
  const dropouts = status.underruns === 0 ? 'no dropouts' : `${status.underruns} dropout${status.underruns === 1 ? '' : 's'}`
  return [name, latency, dropouts, status.muted ? 'muted' : null].filter((part) => part !== null).join(' · ')
}
