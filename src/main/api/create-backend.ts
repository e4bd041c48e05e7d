/**
 * Builds the whole backend (monitor, demo catalog, session library, app service) the same way for
 * Electron and for browser mode, so both run the identical core.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import envPaths from 'env-paths'
import { appRoot } from '../app-root'
import { DeviceRegistry } from '../devices/registry'
import { Monitor } from '../engine/monitor'
import { repairUnfinishedSessions } from '../sessions/repair'
import { AppService, defaultAppSettings } from './app-service'
import { CombinedCatalog } from './combined-catalog'
import { DemoDeviceCatalog } from './demo-catalog'
import type { DeviceCatalog } from './monitor-port'
import { FsSessionLibrary } from './session-library-port'
import type { ExportHost } from './session-exchange'

/** The repository / install root (the folder of our package.json, from the sources or the build). */
export const APP_ROOT = appRoot()
export const DEFAULT_DEMO_RECORDING = '50238_MV.wav'

/**
 * Where the library lives unless --data-dir says otherwise, by each system's convention (env-paths):
 * $XDG_DATA_HOME/ausculta or ~/.local/share/ausculta on Linux, ~/Library/Application Support/ausculta
 * on macOS, %LOCALAPPDATA%\ausculta\Data on Windows.
 */
export function defaultDataDir(): string {
  return envPaths('ausculta', { suffix: '' }).data
}

export interface BackendOptions {
  mode: 'electron' | 'browser'
  /** Electron: save dialog, file manager and printing for exports (session-exchange.ts). */
  exportHost?: ExportHost
  dataDir?: string
  modelPath?: string | null
  samplesDir?: string
  modelsDir?: string
  /** Demo playback speed (1 = real time). */
  demoSpeed?: number
  /** Sound cards, serial scopes and HID buttons through the device registry (default true). */
  devices?: boolean
  appRoot?: string
}

export async function createBackend(options: BackendOptions): Promise<AppService> {
  const root = options.appRoot ?? APP_ROOT
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
  const defaultModel = join(root, 'models', 'ausculta-encoder.onnx')
  const modelPath = options.modelPath === undefined ? (existsSync(defaultModel) ? defaultModel : null) : options.modelPath
  const settings = defaultAppSettings(options.dataDir ?? defaultDataDir(), modelPath)
  const demo = new DemoDeviceCatalog(options.samplesDir ?? join(root, 'samples'), { speed: options.demoSpeed ?? 1 })
  let registry: DeviceRegistry | null = null
  if (options.devices !== false) {
    try {
      registry = new DeviceRegistry()
      await registry.refresh()
      registry.startPolling()
    } catch {
      // No device backend at all (e.g. neither the audio addon nor serialport loads): demo files still work.
      registry = null
    }
  }
  const catalogs: DeviceCatalog[] = registry ? [registry, demo] : [demo]
  // The library follows the data folder chosen in Settings.
  let current: AppService | null = null
  const library = new FsSessionLibrary(() => current?.dataDir ?? settings.dataDir, options.exportHost)
  const service = new AppService({
    monitor: new Monitor(),
    devices: new CombinedCatalog(catalogs),
    onDispose: registry ? [() => registry?.stopPolling()] : [],
    library,
    mode: options.mode,
    version,
    settings,
    modelsDir: options.modelsDir ?? join(root, 'models'),
  })
  current = service
  registry?.on((event) => {
    if (event.type === 'hid-action' && event.action !== 'none') void service.onHardwareAction(event.action)
  })
  await service.init()
  // A crash during a recording leaves its session unfinished: repair it before the library is
  // shown. What fails (a read-only folder, a damaged header) is listed in the library with its
  // reason (sessions:problems), not only logged here.
  const results = repairUnfinishedSessions(service.dataDir)
  library.noteRepairResults(results)
  for (const result of results) {
    const detail =
      result.outcome === 'failed'
        ? `failed: ${result.error?.message ?? 'unknown error'}`
        : `${result.outcome}: ${result.actions.join('; ')}`
    process.stderr.write(`session ${result.id} (${result.dir}) ${detail}\n`)
  }
  return service
}
