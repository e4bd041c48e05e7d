/**
 * The outputs live listening can be sent to. openAudioOutput routes the addon's stream to a
 * PulseAudio sink by name (PULSE_SINK under the ALSA pulse plugin), so the choices are the
 * PulseAudio sinks when the addon has output streams and a PulseAudio (or PipeWire-pulse) server
 * answers. Anywhere else the stream plays on the system default and the list says why it is empty.
 */
import { execFile } from 'node:child_process'
import type { ListeningOutputs, OutputDeviceInfo } from '../../core/api/contract'
import { outputDeviceIdSchema } from '../../core/api/contract'
import type { NativeOutputDevice } from '../audio/audio-output'
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

export async function listOutputDevices(env: NodeJS.ProcessEnv = process.env): Promise<ListeningOutputs> {
  const binding = loadAudioAddon() as (OutputCapableBinding & object) | Error
  if (binding instanceof Error) return { devices: [], reason: `the audio addon is not available (${binding.message}); live listening cannot play` }
  if (!binding.OutputStream || !binding.listOutputDevices) return { devices: [], reason: 'this build of the audio addon has no output streams; live listening cannot play' }
  const addonDevices = binding.listOutputDevices()
  const fallback = addonDevices.find((d) => d.isDefaultOutput)
  if (!addonDevices.some((d) => d.name === 'pulse')) {
    return { devices: [], reason: `choosing an output needs PulseAudio; listening plays on the system default${fallback ? ` (${fallback.name})` : ''}` }
  }
  const [sinksJson, defaultSinkOut] = await Promise.all([run('pactl', ['-f', 'json', 'list', 'sinks'], env), run('pactl', ['get-default-sink'], env)])
  const defaultSink = defaultSinkOut?.trim() || null
  let devices: OutputDeviceInfo[]
  if (sinksJson !== null) devices = parsePulseSinks(sinksJson, defaultSink)
  else {
    const short = await run('pactl', ['list', 'short', 'sinks'], env)
    if (short === null) return { devices: [], reason: 'no PulseAudio server answered (pactl failed); listening plays on the system default' }
    devices = parsePulseShortSinks(short, defaultSink)
  }
  return { devices, reason: devices.length === 0 ? 'PulseAudio lists no output device' : null }
}
