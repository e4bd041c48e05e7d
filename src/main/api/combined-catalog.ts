/** Several device catalogs behind one (the registry's devices first, demo recordings after). */
import { InvalidArgumentError } from '../../core/errors'
import type { PcmSource } from '../devices/source'
import type { DeviceCatalog, DeviceEntry } from './monitor-port'

export class CombinedCatalog implements DeviceCatalog {
  constructor(private readonly catalogs: DeviceCatalog[]) {}
  async list(): Promise<DeviceEntry[]> {
    const lists = await Promise.all(this.catalogs.map((c) => c.list().catch(() => [])))
    return lists.flat()
  }
  async open(id: string): Promise<PcmSource> {
    for (const catalog of this.catalogs) {
      if ((await catalog.list()).some((d) => d.id === id)) return catalog.open(id)
    }
    throw new InvalidArgumentError(`device id ${JSON.stringify(id)}: not found`)
  }
  onChange(listener: () => void): () => void {
    const offs = this.catalogs.map((c) => c.onChange?.(listener) ?? (() => undefined))
    return () => offs.forEach((off) => off())
  }
}
