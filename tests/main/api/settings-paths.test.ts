/**
 * settings:update treats its two paths as untrusted input (issue 20, item 5), checked through the
 * real service and contract: a data folder must be absolute, outside /proc, /sys and /dev (also
 * through a symlink), a folder, and writable (a tmpfs remounted read-only, as root; chmod 0500
 * otherwise) — and a refused change changes nothing. A model path outside the app's model folder
 * fails with one message whether the file is missing, has no card or is not a model. And errors
 * leave the API without the data folder's absolute path.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { dispatchApiRequest, toWireError } from '../../../src/core/api/contract'
import type { AppService } from '../../../src/main/api/app-service'
import { createBackend } from '../../../src/main/api/create-backend'
import { redactPaths } from '../../../src/main/api/redact-paths'
import { testTempDir } from '../../helpers/temp-dir'
import { recordCircor } from '../sessions/helpers/record-circor'

async function withService(
  dataDir: string,
  run: (call: (channel: string, request?: unknown) => Promise<unknown>, service: AppService) => Promise<void>,
): Promise<void> {
  const service = await createBackend({ mode: 'browser', dataDir, devices: false, modelPath: null })
  try {
    await run((channel, request = {}) => dispatchApiRequest(service.handlers, channel, request), service)
  } finally {
    await service.dispose()
  }
}

describe('settings:update dataDir', () => {
  it('refuses relative, system and non-folder paths, and a refused change changes nothing', async () => {
    const base = testTempDir('ausculta-settings-datadir-')
    const dataDir = join(base, 'data')
    symlinkSync('/proc/self', join(base, 'looks-harmless'))
    writeFileSync(join(base, 'a-file'), 'x')
    await withService(dataDir, async (call) => {
      const before = await call('settings:get')
      const refused: Array<[string, RegExp]> = [
        ['relative/data', /dataDir: must be an absolute path/],
        ['/proc/self', /dataDir: \/proc is a system folder/],
        ['/proc/self/cwd/x', /dataDir: \/proc is a system folder/],
        ['/sys/kernel', /dataDir: \/sys is a system folder/],
        ['/dev/shm/ausculta', /dataDir: \/dev is a system folder/],
        [join(base, 'looks-harmless', 'data'), /dataDir: \/proc is a system folder/],
        [join(base, 'a-file'), /dataDir: exists and is not a folder/],
      ]
      for (const [path, message] of refused) {
        await expect(call('settings:update', { dataDir: path }), path).rejects.toMatchObject({
          name: 'InvalidArgumentError',
          message: expect.stringMatching(message),
        })
      }
      expect(await call('settings:get')).toEqual(before)
      expect(existsSync(join(process.cwd(), 'relative'))).toBe(false)
      expect(existsSync('/dev/shm/ausculta')).toBe(false)

      const moved = join(base, 'elsewhere', 'sessions-here')
      expect(await call('settings:update', { dataDir: moved })).toMatchObject({ dataDir: moved })
      expect(statSync(moved).mode & 0o777).toBe(0o700)
    })
  })

  it('refuses a folder the app cannot write to, before applying anything', async () => {
    const base = testTempDir('ausculta-settings-ro-')
    const volume = join(base, 'volume')
    mkdirSync(volume)
    let useMount = false
    if (process.getuid?.() === 0) {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', volume], { stdio: 'pipe' })
        execFileSync('mount', ['-o', 'remount,ro', volume])
        useMount = true
        onTestFinished(() => void execFileSync('umount', ['-l', volume]))
      } catch {
        console.warn('settings-paths.test: root without mount rights has no read-only volume (root ignores chmod): read-only case skipped')
        return
      }
    } else {
      chmodSync(volume, 0o500)
      onTestFinished(() => chmodSync(volume, 0o700))
    }
    await withService(join(base, 'data'), async (call) => {
      await expect(call('settings:update', { dataDir: join(volume, 'data'), monitor: { alarms: { hrHighBpm: 171 } } })).rejects.toThrow(
        new RegExp(`dataDir: the folder cannot be created or written to \\(${useMount ? 'EROFS' : 'EACCES'}\\)`),
      )
      // The alarm limit in the same request was not applied either.
      expect(((await call('settings:get')) as { monitor: { alarms: { hrHighBpm: number } } }).monitor.alarms.hrHighBpm).not.toBe(171)
    })
  })
})

describe('settings:update modelPath', () => {
  it('gives one message for a missing file, a file without a card and a file that is no model', async () => {
    const base = testTempDir('ausculta-settings-model-')
    writeFileSync(join(base, 'no-card.onnx'), 'not really onnx')
    writeFileSync(join(base, 'garbage.onnx'), 'not really onnx')
    writeFileSync(join(base, 'garbage.card.json'), '{"nonsense": true}')
    await withService(join(base, 'data'), async (call) => {
      const messages = new Set<string>()
      for (const path of [join(base, 'missing.onnx'), join(base, 'no-card.onnx'), join(base, 'garbage.onnx'), '/etc/shadow.onnx']) {
        const error = await call('settings:update', { modelPath: path }).catch((e: unknown) => e as Error)
        expect(error, path).toBeInstanceOf(Error)
        messages.add(toWireError(error).message)
      }
      expect([...messages]).toEqual([
        'modelPath: no usable model at that path (it must be an .onnx file the app can read, with its .card.json beside it)',
      ])
      await expect(call('settings:update', { modelPath: '/etc/passwd' })).rejects.toThrow(
        'modelPath: must be the absolute path of an .onnx file',
      )
      await expect(call('settings:update', { modelPath: 'models/x.onnx' })).rejects.toThrow(
        'modelPath: must be the absolute path of an .onnx file',
      )
      expect(((await call('settings:get')) as { modelPath: string | null }).modelPath).toBeNull()
    })
  })
})

describe('errors across the API carry no absolute data paths', () => {
  it('a storage error names the file relative to the data folder', async () => {
    const dataDir = testTempDir('ausculta-settings-redact-')
    const { meta, dir } = recordCircor(dataDir, '84740_PV')
    await withService(dataDir, async (call) => {
      // session.json replaced by a folder: reading it fails with a storage error naming the file.
      rmSync(join(dir, 'session.json'))
      mkdirSync(join(dir, 'session.json'))
      const error = toWireError(await call('sessions:get', { id: meta.id }).catch((e: unknown) => e))
      expect(error.message).toMatch(/^sessions\/\d{4}-\d\d-\d\d\/[^/]+\/session\.json: reading failed/)
      expect(error.message).not.toContain(dataDir)
    })
  })

  it('redactPaths cuts whole path components only', () => {
    const root = mkdtempSync(join(tmpdir(), 'ausculta-redact-'))
    rmSync(root, { recursive: true })
    expect(redactPaths(`${root}/sessions/x/session.json: bad`, [root])).toBe('sessions/x/session.json: bad')
    expect(redactPaths(`cannot write ${root}: EROFS`, [root])).toBe('cannot write the data folder: EROFS')
    expect(redactPaths(`${root}-other/file`, [root])).toBe(`${root}-other/file`)
  })
})
