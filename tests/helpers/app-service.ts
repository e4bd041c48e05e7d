/**
 * The app service as the API tests use it: the real Monitor (worker thread, classical estimator;
 * no model, so no test depends on a training run), demo sources on real recordings and the real
 * recorder and library on the caller's data folder. One place builds it, so a change to the
 * service's options is made once.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vi } from 'vitest'
import type { ApiEventChannel } from '../../src/core/api/contract'
import { AppService, defaultAppSettings, type AppServiceOptions } from '../../src/main/api/app-service'
import { DemoDeviceCatalog } from '../../src/main/api/demo-catalog'
import { FsSessionLibrary } from '../../src/main/api/session-library-port'
import { Monitor } from '../../src/main/engine/monitor'

export const REPO_ROOT = join(__dirname, '../..')

export interface TestAppServiceOptions {
  /** Folder of the demo recordings (default samples/). */
  samplesDir?: string
  /** Demo pace: 1 = real time (default 8: eight seconds of audio per wall second, still paced like a device). */
  speed?: number
  mode?: AppServiceOptions['mode']
  listening?: AppServiceOptions['listening']
}

export function testAppService(dataDir: string, options: TestAppServiceOptions = {}): AppService {
  return new AppService({
    monitor: new Monitor(),
    devices: new DemoDeviceCatalog(options.samplesDir ?? join(REPO_ROOT, 'samples'), { speed: options.speed ?? 8 }),
    library: new FsSessionLibrary(() => dataDir),
    mode: options.mode ?? 'browser',
    version: '0.0.0-test',
    settings: defaultAppSettings(dataDir, null),
    modelsDir: join(REPO_ROOT, 'models'),
    ...(options.listening ? { listening: options.listening } : {}),
  })
}

export interface TestApp {
  dataDir: string
  service: AppService
  /** Every event the service emitted, in order. */
  events: Array<{ channel: ApiEventChannel; payload: unknown }>
}

/** A service on a fresh temporary data folder, recording its events; end it with stopTestApp. */
export function startTestApp(prefix: string, options: TestAppServiceOptions = {}): TestApp {
  const dataDir = mkdtempSync(join(tmpdir(), prefix))
  const events: TestApp['events'] = []
  const service = testAppService(dataDir, options)
  service.onEvent((channel, payload) => events.push({ channel, payload }))
  return { dataDir, service, events }
}

export async function stopTestApp(app: Pick<TestApp, 'dataDir' | 'service'>): Promise<void> {
  await app.service.dispose()
  rmSync(app.dataDir, { recursive: true, force: true })
}

/** Waits until `predicate` holds (checked every 50 ms), failing after `timeoutMs` with what it waited for. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await predicate())) throw new Error(`timed out waiting for ${what}`)
    },
    { timeout: timeoutMs, interval: 50 },
  )
}
