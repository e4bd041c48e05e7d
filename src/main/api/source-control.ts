/**
 * Which source feeds the monitor: opens the picked device, starts the monitor and live listening
 * on it, stops them, and publishes the device list with the active one marked.
 */
import type { DeviceInfo } from '../../core/api/contract'
import { AuscultaError } from '../../core/errors'
import type { MonitorEvent, MonitorStatusEvent, MonitorStopReason } from '../../core/monitor/monitor-events'
import type { PcmSource } from '../devices/source'
import type { DeviceCatalog, MonitorPort } from './monitor-port'

/** The picked device did not start (unreadable file, device gone, permission denied). */
export class SourceStartError extends AuscultaError {}

export interface SourceControlOptions {
  monitor: MonitorPort
  devices: DeviceCatalog
  /** Where the source's sound is heard (LiveListening): attached before the monitor starts, detached on stop. */
  listening: { attachSource(source: PcmSource | null): void }
  onDevices(devices: DeviceInfo[]): void
  /** Runs before the monitor stops (the recording on it must end first). */
  beforeStop(): Promise<void>
}

export class SourceControl {
  private source: PcmSource | null = null
  private sourceId: string | null = null
  private lastSourceIdValue: string | null = null
  private lastFatalError: { name: string; message: string } | null = null

  constructor(private readonly options: SourceControlOptions) {}

  /** The running source, or null (none picked, or the monitor stopped on its own). */
  get running(): PcmSource | null {
    return this.source && this.options.monitor.status().state === 'running' ? this.source : null
  }

  get hasSource(): boolean {
    return this.source !== null
  }

  /** The source picked last (a foot switch's monitor toggle starts it again). */
  get lastSourceId(): string | null {
    return this.lastSourceIdValue
  }

  /** The engine reports a source that fails to start as a fatal error event: kept to say why. */
  onMonitorEvent(event: MonitorEvent): void {
    if (event.type === 'error' && event.fatal) this.lastFatalError = { name: event.name, message: event.message }
  }

  async list(): Promise<DeviceInfo[]> {
    const entries = await this.options.devices.list()
    return entries.map((d) => ({ ...d, active: d.id === this.sourceId, status: d.id === this.sourceId ? 'connected' : d.status }))
  }

  async publish(): Promise<void> {
    this.options.onDevices(await this.list())
  }

  async select(id: string): Promise<MonitorStatusEvent> {
    const { monitor, listening } = this.options
    const source = await this.options.devices.open(id)
    // The screen blanks the old source's values and says "Switching source…" until the new one's first window.
    await this.stop({ kind: 'switching' })
    this.source = source
    this.sourceId = id
    this.lastSourceIdValue = id
    this.lastFatalError = null
    // Subscribed before the start so listening hears the first chunk too.
    listening.attachSource(source)
    try {
      await monitor.start(source)
      // The engine reports a source that fails to start as a fatal error event and stops itself.
      if (monitor.status().state !== 'running') {
        const fatal = this.lastFatalError as { name: string; message: string } | null
        throw new SourceStartError(`${id}: could not start${fatal ? `: ${fatal.message}` : ''}`)
      }
    } catch (error) {
      // A device that fails to start is not "active": the picker must not claim otherwise.
      listening.attachSource(null)
      this.source = null
      this.sourceId = null
      void this.publish()
      throw error
    }
    void this.publish()
    return monitor.status()
  }

  async stop(reason: MonitorStopReason = { kind: 'stopped' }): Promise<void> {
    await this.options.beforeStop()
    this.options.listening.attachSource(null)
    if (this.source) await this.options.monitor.stop(reason)
    this.source = null
    this.sourceId = null
  }
}
