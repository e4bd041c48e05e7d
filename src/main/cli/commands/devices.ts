/**
 * `ausculta devices`: what the device registry sees — sound-card inputs (PortAudio), serial
 * ports, HID button interfaces — plus, with --hid-all, every HID interface with its ids and usage
 * page, which is what a new entry in src/main/devices/hid-devices.json needs.
 */
import { AudioBackendUnavailableError } from '../../devices/audio-addon'
import { DeviceRegistry } from '../../devices/registry'
import { defineCommand, flagOption } from '../define-command'

const USAGE = `Usage: ausculta devices [--json] [--hid-all] [--no-audio]

Lists the sources Ausculta can use: audio inputs (PortAudio addon), serial ports, HID controls.
  --json       machine-readable output
  --hid-all    also list every HID interface (vendor/product id, usage page) to add a device
               to src/main/devices/hid-devices.json
  --no-audio   skip the audio device scan`

export const command = defineCommand({
  summary: 'list audio inputs, serial ports and HID controls the app can use',
  usage: USAGE,
  options: { json: flagOption(), 'hid-all': flagOption(), 'no-audio': flagOption() },
  async run(values) {
    const json = values.json
    const hidAll = values['hid-all']
    const noAudio = values['no-audio']
    const registry = new DeviceRegistry(noAudio ? { audio: new AudioBackendUnavailableError('audio scan skipped (--no-audio)') } : {})
    const problems: string[] = []
    registry.on((event) => {
      if (event.type === 'poll-error') problems.push(`${event.kind}: ${event.error.message}`)
    })
    await registry.refresh()
    const sources = registry.listSources()
    let hidInterfaces: unknown[] = []
    if (hidAll) {
      try {
        const { createRequire } = await import('node:module')
        const hid = createRequire(__filename)('node-hid') as { devicesAsync(): Promise<unknown[]> }
        hidInterfaces = await hid.devicesAsync()
      } catch (error) {
        problems.push(`hid: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    if (json) {
      process.stdout.write(JSON.stringify({ sources, ...(hidAll ? { hidInterfaces } : {}), problems }, null, 2) + '\n')
      return 0
    }
    for (const s of sources)
      process.stdout.write(
        `${s.kind.padEnd(10)} ${s.status.padEnd(11)} ${s.id}\n${' '.repeat(23)}${s.label}${s.detail ? ` — ${s.detail}` : ''}\n`,
      )
    if (sources.length === 0) process.stdout.write('no sources found\n')
    for (const d of hidInterfaces as Array<Record<string, unknown>>) {
      const hex = (n: unknown): string => (typeof n === 'number' ? `0x${n.toString(16).padStart(4, '0')}` : '?')
      process.stdout.write(
        `hid-iface  vendorId ${hex(d.vendorId)} (${String(d.vendorId)}) productId ${hex(d.productId)} (${String(d.productId)}) ` +
          `usagePage ${hex(d.usagePage)} usage ${hex(d.usage)} ${String(d.product ?? '')} ${String(d.path ?? '')}\n`,
      )
    }
    for (const p of problems) process.stderr.write(`ausculta devices: ${p}\n`)
    return 0
  },
})
