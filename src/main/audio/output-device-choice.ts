/**
 * Which PortAudio output device a choice means, resolved against the addon's device list at open
 * time. PortAudio indices change whenever devices are re-enumerated (hot plug, input rescans), so
 * what the app stores is an id built from the host API and the device name: `portaudio:<host
 * API>:<name>`, each part escaped into the characters an output device id may hold
 * (core/api/contract outputDeviceIdSchema). Pure: the device list comes in as an argument.
 */
import { PortAudioOutputNotFoundError } from './audio-output-errors'

export { PortAudioOutputNotFoundError }

/** What resolution needs of a device (the addon's listOutputDevices entries have more). */
export interface PortAudioOutputDevice {
  index: number
  name: string
  hostApi: string
  isDefaultOutput: boolean
}

/**
 * A PortAudio output: by index (valid only until the next re-enumeration), by name (optionally
 * on one host API), by the stable id from portAudioOutputIds, or the host's default output.
 */
export type PortAudioDeviceChoice = { index: number } | { name: string; hostApi?: string } | { id: string } | 'default'

export const PORTAUDIO_OUTPUT_ID_PREFIX = 'portaudio:'
/** The id schema's bound on length. */
const MAX_ID_LENGTH = 256

/** Whether an output device id names a PortAudio device (else it is a PulseAudio sink name). */
export function isPortAudioOutputId(id: string): boolean {
  return id.startsWith(PORTAUDIO_OUTPUT_ID_PREFIX)
}

// '+' is the escape and ':' the separator, so both are escaped inside a part; the rest of the
// id alphabet stays readable.
function escapePart(text: string): string {
  let out = ''
  for (const char of text) {
    if (/^[A-Za-z0-9_.@-]$/.test(char)) out += char
    else for (const byte of new TextEncoder().encode(char)) out += `+${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function unescapePart(text: string): string {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '+' ? text.slice(i + 1, i + 3) : ''
    if (/^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else bytes.push(...new TextEncoder().encode(text[i]!))
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

/** FNV-1a, 32 bits: a short, stable tag for names too long to spell out in an id. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash.toString(16).padStart(8, '0')
}

function baseId(device: PortAudioOutputDevice): string {
  const id = `${PORTAUDIO_OUTPUT_ID_PREFIX}${escapePart(device.hostApi)}:${escapePart(device.name)}`
  if (id.length <= MAX_ID_LENGTH) return id
  // Room for ':2'-style duplicate suffixes; never cut an escape in half.
  const tag = `@${fnv1a(`${device.hostApi}\u0000${device.name}`)}`
  const cut = id.slice(0, MAX_ID_LENGTH - 8 - tag.length).replace(/\+[0-9A-F]?$/, '')
  return cut + tag
}

/**
 * The stable id of each device, in list order. Two devices with the same host API and name (two
 * identical headsets) are told apart by their order: the second gets `:2`, and so on.
 */
export function portAudioOutputIds(devices: readonly PortAudioOutputDevice[]): string[] {
  const seen = new Map<string, number>()
  return [...devices]
    .map((device, position) => ({ device, position }))
    .sort((a, b) => a.device.index - b.device.index)
    .map(({ device, position }) => {
      const base = baseId(device)
      const count = (seen.get(base) ?? 0) + 1
      seen.set(base, count)
      return { position, id: count === 1 ? base : `${base}:${count}` }
    })
    .sort((a, b) => a.position - b.position)
    .map(({ id }) => id)
}

/** `Speakers (MME)` for an id made by portAudioOutputIds (for messages); the id itself when it is not one. */
export function describePortAudioOutputId(id: string): string {
  if (!isPortAudioOutputId(id)) return id
  const [hostApi = '', name = '', duplicate] = id.slice(PORTAUDIO_OUTPUT_ID_PREFIX.length).split(':')
  return `'${unescapePart(name)}'${duplicate ? ` #${duplicate}` : ''} (${unescapePart(hostApi)})`
}

function describeChoice(choice: PortAudioDeviceChoice): string {
  if (choice === 'default') return 'the default output'
  if ('index' in choice) return `index ${choice.index}`
  if ('id' in choice) return `${describePortAudioOutputId(choice.id)} [${choice.id}]`
  return `'${choice.name}'${choice.hostApi !== undefined ? ` (${choice.hostApi})` : ''}`
}

function listed(devices: readonly PortAudioOutputDevice[]): string {
  if (devices.length === 0) return 'PortAudio lists no output device'
  return `outputs now: ${devices.map((d) => `${d.index} '${d.name}' (${d.hostApi})${d.isDefaultOutput ? ' default' : ''}`).join(', ')}`
}

/** The device `choice` means in `devices`, or PortAudioOutputNotFoundError naming it and what is there. */
export function resolvePortAudioOutput<D extends PortAudioOutputDevice>(devices: readonly D[], choice: PortAudioDeviceChoice): D {
  let found: D | undefined
  if (choice === 'default') {
    // A host with outputs but no default (PortAudio reports paNoDevice) still plays on the first.
    found = devices.find((d) => d.isDefaultOutput) ?? devices[0]
  } else if ('index' in choice) {
    found = devices.find((d) => d.index === choice.index)
  } else if ('id' in choice) {
    const ids = portAudioOutputIds(devices)
    found = devices[ids.indexOf(choice.id)]
  } else {
    const named = devices.filter((d) => d.name === choice.name && (choice.hostApi === undefined || d.hostApi === choice.hostApi))
    // The same name on several host APIs (Windows lists a device under MME, DirectSound, WASAPI):
    // the default one if it is among them, else the first.
    found = named.find((d) => d.isDefaultOutput) ?? named[0]
  }
  if (!found)
    throw new PortAudioOutputNotFoundError(
      `PortAudio output ${describeChoice(choice)} not found (unplugged or renamed?); ${listed(devices)}`,
    )
  return found
}
