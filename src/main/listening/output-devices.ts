/**
 * The outputs live listening can be sent to. Where the addon has PortAudio's ALSA `pulse` device
 * and a PulseAudio (or PipeWire-pulse) server answers, the choices are the PulseAudio sinks (ids
 * are sink names; openAudioOutput routes to them through PULSE_SINK): that is where a Linux
 * desktop's headsets and Bluetooth devices are. Anywhere else (Windows, macOS, plain ALSA, no
 * server) they are the addon's PortAudio output devices, with ids `portaudio:<host API>:<name>`
 * that stay the same across runs (output-device-choice); openAudioOutput opens those by id.
 */
import { execFile } from 'node:child_process'
import type { ListeningOutputs, OutputDeviceInfo } from '../../core/api/contract'
import { outputDeviceIdSchema } from '../../core/api/contract'
import type { NativeOutputDevice } from '../audio/audio-output'
import { portAudioOutputIds } from '../audio/output-device-choice'
import { loadAudioAddon } from '../devices/audio-addon'

type OutputCapableBinding = { OutputStream?: unknown; listOutputDevices?: () => NativeOutputDevice[] }

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 3000, encoding: 'utf8' }, (error, stdout) => resolve(error ? null : stdout))
  })
}

/** `pactl -f json list sinks` → sinks with a usable name (the name becomes an environment variable). */
export function parsePulseSinks(json: string, defaultSink: string | null): OutputDeviceInfo[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return []
  }
  if (!Array.isArray(parsed)) return []
  const devices: OutputDeviceInfo[] = []
  for (const entry of parsed as Array<{ name?: unknown; description?: unknown }>) {
    const name = typeof entry?.name === 'string' ? entry.name : ''
    if (!outputDeviceIdSchema.safeParse(name).success) continue
    const description = typeof entry.description === 'string' && entry.description.trim() !== '' ? entry.description : name
    devices.push({ id: name, name: description, isDefault: name === defaultSink })
  }
  return devices
}

/** `pactl list short sinks` (index, name, driver, format, state per tab-separated line): pactl before 16 has no JSON. */
export function parsePulseShortSinks(text: string, defaultSink: string | null): OutputDeviceInfo[] {
  return text
    .split('\n')
    .map((line) => line.split('\t')[1] ?? '')
    .filter((name) => outputDeviceIdSchema.safeParse(name).success)
    .map((name) => ({ id: name, name, isDefault: name === defaultSink }))
}

/** The addon's output devices as choices: stable ids, the name with its host API, the default flagged. */
export function portAudioOutputChoices(devices: readonly NativeOutputDevice[]): OutputDeviceInfo[] {
  const ids = portAudioOutputIds(devices)
  return devices.map((device, i) => ({
    id: ids[i]!,
    name: device.hostApi ? `${device.name} (${device.hostApi})` : device.name,
    isDefault: device.isDefaultOutput,
  }))
}

function portAudioOutputs(devices: readonly NativeOutputDevice[], why: string | null): ListeningOutputs {
  const choices = portAudioOutputChoices(devices)
  if (choices.length === 0)
    return { devices: [], reason: `PortAudio lists no output device${why ? ` (${why})` : ''}; live listening cannot play` }
  return { devices: choices, reason: why }
}

/** PulseAudio's sinks, or null when no server answers. */
async function pulseSinks(env: NodeJS.ProcessEnv): Promise<OutputDeviceInfo[] | null> {
  const [sinksJson, defaultSinkOut] = await Promise.all([
    run('pactl', ['-f', 'json', 'list', 'sinks'], env),
    run('pactl', ['get-default-sink'], env),
  ])
  const defaultSink = defaultSinkOut?.trim() || null
  if (sinksJson !== null) return parsePulseSinks(sinksJson, defaultSink)
  const short = await run('pactl', ['list', 'short', 'sinks'], env)
  return short === null ? null : parsePulseShortSinks(short, defaultSink)
}

export async function listOutputDevices(env: NodeJS.ProcessEnv = process.env): Promise<ListeningOutputs> {
  const binding = loadAudioAddon() as (OutputCapableBinding & object) | Error
  if (binding instanceof Error)
    return { devices: [], reason: `the audio addon is not available (${binding.message}); live listening cannot play` }
  if (!binding.OutputStream || !binding.listOutputDevices)
    return { devices: [], reason: 'this build of the audio addon has no output streams; live listening cannot play' }
  const addonDevices = binding.listOutputDevices()
  // No ALSA pulse device (Windows, macOS, ALSA without the plugin): sinks could not be reached anyway.
  if (!addonDevices.some((d) => d.name === 'pulse')) return portAudioOutputs(addonDevices, null)
  const sinks = await pulseSinks(env)
  // A pulse device with no server behind it cannot play: PortAudio's other devices instead.
  if (sinks === null) {
    return portAudioOutputs(
      addonDevices.filter((d) => d.name !== 'pulse'),
      'no PulseAudio server answered (pactl failed): PortAudio devices offered instead of sinks',
    )
  }
  return { devices: sinks, reason: sinks.length === 0 ? 'PulseAudio lists no output device' : null }
}
