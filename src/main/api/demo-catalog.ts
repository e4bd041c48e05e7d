/**
 * Demo "devices": every WAV in the samples folder, played in real time on a loop by
 * DemoFileSource. What browser mode offers on a machine with no stethoscope plugged in.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { parseSegmentationTsv } from '../../core/circor/segmentation-tsv'
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
    const path = join(this.dir, name)
    const loopSeconds = wholeCycleLoop(path)
    return new DemoFileSource(path, { loop: true, speed: this.options.speed ?? 1, ...(loopSeconds ? { loopSeconds } : {}) })
  }
}

/**
 * From the first to the last annotated S1 onset of the recording's CirCor .tsv (when it has one):
 * the demo then repeats whole cardiac cycles. Looping the whole file joins its cut-off last beat
 * to its cut-off first one, a 0.52-s beat among 0.86-s ones in samples/50238_MV, which the
 * rhythm check rightly called irregular every 21 s. Null (loop the whole file) without a usable .tsv.
 */
export function wholeCycleLoop(wavPath: string): { startS: number; endS: number } | null {
  const tsv = wavPath.replace(/\.wav$/i, '.tsv')
  if (tsv === wavPath || !existsSync(tsv)) return null
  try {
    const onsets = parseSegmentationTsv(readFileSync(tsv), tsv)
      .rows.filter((row) => row.label === 1)
      .map((row) => row.startS)
    const startS = onsets[0]
    const endS = onsets[onsets.length - 1]
    // At least a few beats, or the loop would repeat a fragment.
    return startS !== undefined && endS !== undefined && endS - startS >= 3 ? { startS, endS } : null
  } catch {
    return null
  }
}
