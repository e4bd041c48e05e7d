/**
 * What the app service needs from the monitor engine, the device registry and the session
 * library: the interfaces those modules publish, restated here so the API layer compiles and is
 * tested against them whichever of them has landed, and so a test can drive it with a real
 * Monitor on a real demo file.
 */
import type { AlarmKind, MonitorEvent, MonitorSettings, MonitorStatusEvent, MonitorStopReason } from '../../core/monitor/monitor-events'
import type { ModelCard } from '../../core/model/model-card'
import type { PcmSource } from '../devices/source'

export type ExecutionProviderName = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml'

/** src/main/engine/monitor.ts `Monitor`, as the lead specified it. */
export interface MonitorPort {
  on(listener: (event: MonitorEvent) => void): () => void
  start(source: PcmSource): Promise<void>
  /** The status event it emits carries `reason` (default: stopped by the user). */
  stop(reason?: MonitorStopReason): Promise<void>
  loadModel(onnxPath: string, options?: { executionProvider?: ExecutionProviderName }): Promise<unknown>
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
