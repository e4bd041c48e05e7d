/**
 * A failed export leaves nothing behind (issue 20, item 5): the session is read and checked before
 * any folder exists, and the run folder is built under a hidden name and renamed into place. The
 * mid-write failure is real: the exports folder is a 64 KiB tmpfs that a recording's audio does not
 * fit in (root only; skipped with a notice elsewhere).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { DiskFullError, SessionNotFoundError } from '../../../src/core/sessions/session-errors'
import { WavFormatError } from '../../../src/core/wav/wav-format'
import { FsSessionLibrary } from '../../../src/main/api/session-library-port'
import { exportSessionRun } from '../../../src/main/sessions/exporter'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { testTempDir } from '../../helpers/temp-dir'
import { recordCircor } from './helpers/record-circor'

function tryMountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false
  mkdirSync(dir, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}

/** Whether a tmpfs can be mounted here (root with mount rights): probed once, undone at once. */
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'ausculta-export-probe-'))
  const ok = tryMountTmpfs(probe, '64k')
  if (ok) execFileSync('umount', ['-l', probe])
  rmSync(probe, { recursive: true, force: true })
  return ok
}

describe('export runs', () => {
  it('an unknown session or audio that does not decode fails before any folder is made', async () => {
    const dataDir = testTempDir('ausculta-export-run-')
    const port = new FsSessionLibrary(() => dataDir)
    await expect(port.exportSession('20260101T000000Z-abcdef', 'folder')).rejects.toThrow(SessionNotFoundError)
    const { meta, dir } = recordCircor(dataDir, '84740_PV')
    writeFileSync(join(dir, 'audio.wav'), 'not a wav at all')
    await expect(port.exportSession(meta.id, 'folder')).rejects.toThrow(WavFormatError)
    await expect(port.exportSession(meta.id, 'zip')).rejects.toThrow(WavFormatError)
    expect(existsSync(join(dataDir, 'exports'))).toBe(false)
  })

  it('a good export lands in a new run folder with every file, and nothing hidden is left beside it', async () => {
    const dataDir = testTempDir('ausculta-export-run-ok-')
    const { meta } = recordCircor(dataDir, '84740_PV')
    const result = await new FsSessionLibrary(() => dataDir).exportSession(meta.id, 'folder')
    const runs = readdirSync(join(dataDir, 'exports'))
    expect(runs).toHaveLength(1)
    expect(result.path).toBe(join(dataDir, 'exports', runs[0] as string, `ausculta-${meta.id}`))
    expect(readdirSync(result.path).sort()).toEqual([...result.files].sort())
  })

  const canMount = canMountTmpfs()
  if (!canMount) console.warn('export-run.test: no tmpfs (needs root): the disk-full export case is skipped')

  it.skipIf(!canMount)('a disk that fills up mid-export leaves the exports folder as it was', () => {
    const dataDir = testTempDir('ausculta-export-run-full-')
    const { meta } = recordCircor(dataDir, '84740_PV')
    const exportsRoot = join(dataDir, 'exports')
    expect(tryMountTmpfs(exportsRoot, '64k')).toBe(true)
    onTestFinished(() => void execFileSync('umount', ['-l', exportsRoot]))
    // The recording's audio alone is well over 64 KiB (float32 at 4 kHz: 16 kB per second).
    expect(() => exportSessionRun(new SessionLibrary(dataDir), meta.id, exportsRoot, 'folder')).toThrow(DiskFullError)
    expect(() => exportSessionRun(new SessionLibrary(dataDir), meta.id, exportsRoot, 'zip')).toThrow(DiskFullError)
    expect(readdirSync(exportsRoot)).toEqual([])
  })
})
