/**
 * Storage faults for real: a full disk is a 1 MiB tmpfs filled by an actual recording; a
 * read-only volume is a tmpfs remounted read-only (tests run as root here, and root ignores
 * chmod, so a 0500 directory would not stop a single write). Without root (no mount) the
 * read-only case falls back to chmod 0500, which does stop an unprivileged user, and the
 * disk-full case is skipped with a message: there is no honest way to fill a disk without one.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DiskFullError, ReadOnlyStorageError } from '../../../src/core/sessions/session-errors'
import { parseSessionMeta } from '../../../src/core/sessions/session-schema'
import { decodeWav } from '../../../src/core/wav/wav-reader'
import { encodeSamples } from '../../../src/core/wav/wav-writer'
import { AnnotationEditor } from '../../../src/main/sessions/annotation-store'
import { exportSession } from '../../../src/main/sessions/exporter'
import { repairUnfinishedSessions } from '../../../src/main/sessions/repair'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { loadCircor, recordCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-faults-'))
const mounted: string[] = []

function tryMountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' })
    mounted.push(dir)
    return true
  } catch {
    return false
  }
}

afterAll(() => {
  for (const dir of mounted.reverse()) execFileSync('umount', ['-l', dir])
  rmSync(root, { recursive: true, force: true })
})

const isRoot = process.getuid?.() === 0
const canMount = isRoot && tryMountTmpfs(join(root, 'probe'), '64k')
/** Root without mount rights (a container without CAP_SYS_ADMIN) has no honest read-only volume either. */
const canMakeReadOnly = canMount || !isRoot
if (!canMount)
  console.warn(
    `faults.test: cannot mount tmpfs: disk-full test skipped; read-only test ` +
      `${canMakeReadOnly ? 'uses chmod 0500' : 'skipped (root ignores chmod)'}`,
  )
const source = loadCircor('68303_AV')
const deadRecorder = { isRecorderLive: () => false }

describe.skipIf(!canMount)('disk full (1 MiB tmpfs)', () => {
  it('stops recording with DiskFullError, keeps every accepted sample in a valid WAV, and loses no annotation', () => {
    const volume = join(root, 'full')
    expect(tryMountTmpfs(volume, '1m')).toBe(true)
    const dataDir = join(volume, 'data')
    // A small finished session with annotations, to check edits on a full disk lose nothing.
    const small = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'AV', device: { id: 'd', name: 'd' }, modelId: null })
    small.appendAudio({ samples: source.samples.subarray(0, 4000), sampleRateHz: 4000, firstSampleIndex: 0 })
    small.stop()
    const editor = AnnotationEditor.open(small.dir)
    editor.addSpan('S1', 0.1, 0.2)
    const annotationsBefore = readFileSync(join(small.dir, 'annotations.json'), 'utf8')

    // Record the CirCor file over and over until the volume is full (1 MiB ≈ 65 s of float32).
    const recorder = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'MV', device: { id: 'd', name: 'd' }, modelId: null })
    let fed = 0
    let error: unknown
    try {
      for (;;) {
        const at = fed % source.samples.length
        const chunk = source.samples.subarray(at, Math.min(source.samples.length, at + 1000))
        recorder.appendAudio({ samples: chunk, sampleRateHz: 4000, firstSampleIndex: fed })
        fed += chunk.length
        // A 1 MiB volume cannot take 100 s of float32 audio: stop the loop if ENOSPC never came.
        if (fed > 400_000) break
      }
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DiskFullError)
    expect((error as Error).message).toContain(join(recorder.dir, 'audio.wav'))
    expect((error as Error).message).toMatch(/disk full \(ENOSPC\)/)
    const accepted = recorder.framesWritten
    // Most of the 1 MiB volume went to audio before it filled up (> 40 s of the ≈ 65 s).
    expect(accepted).toBeGreaterThan(40 * 4000)
    expect(accepted).toBeLessThanOrEqual(fed)

    // The WAV is valid as it stands (header patched after the failure) and bit-exact.
    const wavPath = join(recorder.dir, 'audio.wav')
    const wav = decodeWav(readFileSync(wavPath), 'audio.wav')
    expect(wav.warnings).toEqual([])
    expect(wav.frames).toBe(accepted)
    const got = wav.channelData[0] as Float32Array
    let mismatches = 0
    for (let i = 0; i < got.length; i++) if (got[i] !== source.samples[i % source.samples.length]) mismatches++
    expect(mismatches).toBe(0)

    // Further appends report the original failure instead of writing.
    expect(() => recorder.appendAudio({ samples: new Float32Array(10), sampleRateHz: 4000, firstSampleIndex: fed })).toThrow(
      /earlier failure.*disk full/,
    )

    // A new recording on the full disk fails at start and leaves no empty session behind.
    const dayDir = join(recorder.dir, '..')
    const sessionsBefore = readdirSync(dayDir).sort()
    expect(() =>
      SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'TV', device: { id: 'd', name: 'd' }, modelId: null }),
    ).toThrow(DiskFullError)
    expect(readdirSync(dayDir).sort()).toEqual(sessionsBefore)

    // Annotation edits fail cleanly: file and editor unchanged, no temp file left.
    expect(() => editor.addMarker(0.5, 'late')).toThrow(DiskFullError)
    expect(readFileSync(join(small.dir, 'annotations.json'), 'utf8')).toBe(annotationsBefore)
    expect(editor.doc.items).toHaveLength(1)
    expect(readdirSync(small.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])

    // Finalising needs a new session.json (a fresh tmpfs page): on the full disk that fails
    // too, and the atomic write leaves the old one ("recording") in place.
    let stopError: unknown
    try {
      recorder.stop()
    } catch (err) {
      stopError = err
    }
    expect(stopError).toBeInstanceOf(DiskFullError)
    const metaAfterStop = parseSessionMeta(readFileSync(join(recorder.dir, 'session.json'), 'utf8'), 'session.json')
    expect(metaAfterStop.status).toBe('recording')
    // Once space is freed, start-up repair completes the session with all its audio.
    execFileSync('mount', ['-o', 'remount,size=2m', volume])
    const [result] = repairUnfinishedSessions(dataDir, deadRecorder)
    expect(result?.outcome).toBe('repaired')
    const finalMeta = parseSessionMeta(readFileSync(join(recorder.dir, 'session.json'), 'utf8'), 'session.json')
    expect(finalMeta.audio.frames).toBe(accepted)
    expect(decodeWav(readFileSync(wavPath), 'audio.wav').frames).toBe(accepted)
  })
})

describe.skipIf(!canMakeReadOnly)('read-only storage', () => {
  it('gives ReadOnlyStorageError for every write, reads still work, nothing changes', () => {
    const volume = join(root, 'ro')
    const useMount = canMount && tryMountTmpfs(volume, '4m')
    const dataDir = join(volume, 'data')
    const { meta, dir } = recordCircor(dataDir, '84749_TV')
    AnnotationEditor.open(dir).addMarker(1, 'before read-only')
    // An unfinished recording for repair to (fail to) fix, as a crash leaves it: status still
    // "recording", samples on disk beyond the header's data size, and no open file (a busy
    // file would also keep the volume from being remounted read-only).
    const unfinished = recordCircor(dataDir, '84740_PV').dir
    const unfinishedMetaPath = join(unfinished, 'session.json')
    writeFileSync(unfinishedMetaPath, readFileSync(unfinishedMetaPath, 'utf8').replace('"status": "complete"', '"status": "recording"'))
    const framesBefore = parseSessionMeta(readFileSync(unfinishedMetaPath, 'utf8'), 'session.json').audio.frames
    appendFileSync(join(unfinished, 'audio.wav'), encodeSamples(source.samples.subarray(0, 8000), 1, 'float32'))
    const annotationsBefore = readFileSync(join(dir, 'annotations.json'), 'utf8')
    const expectedCode = useMount ? 'EROFS' : 'EACCES'
    if (useMount) execFileSync('mount', ['-o', 'remount,ro', volume])
    else for (const d of [dataDir, join(dataDir, 'sessions'), join(dir, '..'), dir, unfinished]) chmodSync(d, 0o500)
    try {
      expect(() =>
        SessionRecorder.start({
          dataDir,
          sampleRateHz: 4000,
          location: 'AV',
          device: { id: 'd', name: 'd' },
          modelId: null,
          startedAt: new Date('2026-02-02T00:00:00Z'),
        }),
      ).toThrow(ReadOnlyStorageError)
      const editor = AnnotationEditor.open(dir)
      let editError: unknown
      try {
        editor.addMarker(2, 'after')
      } catch (err) {
        editError = err
      }
      expect(editError).toBeInstanceOf(ReadOnlyStorageError)
      expect((editError as Error).message).toContain(
        `${join(dir, 'annotations.json')}: writing failed: storage is read-only or not writable (${expectedCode})`,
      )
      expect(readFileSync(join(dir, 'annotations.json'), 'utf8')).toBe(annotationsBefore)
      expect(editor.doc.items).toHaveLength(1)

      const library = new SessionLibrary(dataDir)
      expect(library.get(meta.id).meta.status).toBe('complete')
      expect(() => library.updateMeta(meta.id, { notes: 'x' })).toThrow(ReadOnlyStorageError)
      expect(() => library.delete(meta.id)).toThrow(ReadOnlyStorageError)
      expect(library.get(meta.id).dir).toBe(dir)

      const [result] = repairUnfinishedSessions(dataDir, deadRecorder)
      expect(result?.outcome).toBe('failed')
      expect(result?.error).toBeInstanceOf(ReadOnlyStorageError)

      if (useMount) {
        // Exporting onto a read-only volume fails without leaving a partial export.
        expect(() => exportSession(library, meta.id, volume, 'folder')).toThrow(ReadOnlyStorageError)
        expect(() => exportSession(library, meta.id, volume, 'zip')).toThrow(ReadOnlyStorageError)
      }
    } finally {
      if (useMount) execFileSync('mount', ['-o', 'remount,rw', volume])
      else for (const d of [dataDir, join(dataDir, 'sessions'), join(dir, '..'), dir, unfinished]) chmodSync(d, 0o700)
    }
    // Writable again: the unfinished session repairs with all its frames plus the 8000 appended.
    const [result] = repairUnfinishedSessions(dataDir, deadRecorder)
    expect(result?.outcome).toBe('repaired')
    expect(parseSessionMeta(readFileSync(unfinishedMetaPath, 'utf8'), 'session.json').audio.frames).toBe(framesBefore + 8000)
  })
})
