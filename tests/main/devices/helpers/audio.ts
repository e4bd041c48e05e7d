import { loadAudioAddon, type AudioBinding, type NativeInputDevice } from '../../../../src/main/devices/audio-addon'
import type { PcmChunk, SourceEvent } from '../../../../src/main/devices/source'
import { missingTools, requireComponents } from './tools'

/** The addon and PulseAudio tools, or a skip reason (throws under CI=true). */
export function audioPrerequisites(): { binding?: AudioBinding; skip?: string } {
  const problems = missingTools(['pulseaudio', 'paplay', 'pactl']).map((t) => `${t} not installed (apt pulseaudio pulseaudio-utils)`)
  const binding = loadAudioAddon()
  if (binding instanceof Error) problems.push(binding.message)
  const skip = requireComponents('PulseAudio capture test', problems)
  return skip || binding instanceof Error ? { skip: skip ?? 'addon unavailable' } : { binding }
}

/** The ALSA "pulse" PCM (records PulseAudio's default source, which start-pulse.sh sets to ausculta_mic). */
export function pulseDevice(binding: AudioBinding): NativeInputDevice {
  const devices = binding.rescanInputDevices() ?? binding.listInputDevices()
  const device = devices.find((d) => d.name === 'pulse') ?? devices.find((d) => d.isDefaultInput)
  if (!device) throw new Error(`no PulseAudio input among ${JSON.stringify(devices.map((d) => d.name))}`)
  return device
}

export function collect(source: { on(listener: (event: SourceEvent) => void): () => void }): { chunks: PcmChunk[]; events: SourceEvent[] } {
  const chunks: PcmChunk[] = []
  const events: SourceEvent[] = []
  source.on((event) => {
    if (event.type === 'chunk') chunks.push(event.chunk)
    else events.push(event)
  })
  return { chunks, events }
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
