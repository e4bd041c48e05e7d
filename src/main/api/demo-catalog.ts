/**
 * Demo "devices": every WAV in the samples folder, played in real time on a loop by
 * DemoFileSource. What browser mode offers on a machine with no stethoscope plugged in.
 */
import { existsSync, readdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import type { PcmSource } from '../devices/source'
import { DemoFileSource } from '../engine/demo-source'
import type { DeviceCatalog, DeviceEntry } from './monitor-port'

const DEMO_PREFIX = 'demo:'

export class DemoDeviceCatalog implements DeviceCatalog {
  private readonly dir: string
  constructor(
    samplesDir: string,
    private readonly options: { speed?: number } = {},
  ) {
    this.dir = resolve(samplesDir)
  }

  private files(): string[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir)
      .filter((name) => name.toLowerCase().endsWith('.wav'))
      .sort()
  }

  async list(): Promise<DeviceEntry[]> {
    return this.files().map((name) => ({
      id: `${DEMO_PREFIX}${name}`,
      name: `Demo: ${basename(name, '.wav')}`,
      kind: 'demo' as const,
      status: 'available' as const,
      detail: 'recorded phonocardiogram played in real time (CirCor DigiScope)',
    }))
  }

  async open(id: string): Promise<PcmSource> {
    const name = id.startsWith(DEMO_PREFIX) ? id.slice(DEMO_PREFIX.length) : ''
    // Only names the listing offered: an id can never point outside the samples folder.
    if (!this.files().includes(name))
      throw new InvalidArgumentError(`device id ${JSON.stringify(id)}: no such demo recording in ${this.dir}`)
    return new DemoFileSource(join(this.dir, name), { loop: true, speed: this.options.speed ?? 1 })
  }
}
