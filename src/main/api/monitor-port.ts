/**
 * What the app service needs from the monitor engine and the device registry: the API layer
 * depends on these ports, not on the engine's and registry's classes, so a test can drive it
 * with a real Monitor on a real demo file and any catalog of sources.
 */
import type { AlarmKind, MonitorEvent, MonitorSettings, MonitorStatusEvent, MonitorStopReason } from '../../core/monitor/monitor-events'
import type { ExecutionProviderChoice } from '../../core/model/execution-provider'
import type { ModelCard } from '../../core/model/model-card'
import type { PcmSource } from '../devices/source'

/** What src/main/engine/monitor.ts `Monitor` offers the API layer. */
export interface MonitorPort {
  on(listener: (event: MonitorEvent) => void): () => void
  start(source: PcmSource): Promise<void>
  /** The status event it emits carries `reason` (default: stopped by the user). */
  stop(reason?: MonitorStopReason): Promise<void>
  loadModel(onnxPath: string, options?: { executionProvider?: ExecutionProviderChoice }): Promise<unknown>
  updateSettings(settings: Partial<MonitorSettings>): void
  acknowledgeAlarm(kind: AlarmKind): void
  status(): MonitorStatusEvent
  readonly modelCard: ModelCard | null
  dispose(): Promise<void>
}

export interface DeviceEntry {
  id: string
  name: string
  kind: 'audio' | 'serial' | 'hid' | 'demo'
  status: 'available' | 'connected' | 'error' | 'unavailable'
  detail?: string
}

/** Lists the sources the user can pick and opens one by id. */
export interface DeviceCatalog {
  list(): Promise<DeviceEntry[]>
  open(id: string): Promise<PcmSource>
  /** Hot-plug: called when the list may have changed. */
  onChange?(listener: () => void): () => void
}
