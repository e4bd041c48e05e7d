/** One errno table for every fs adapter (issue 19, item 2): the file readers and the session store agree on each code. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DiskFullError, ReadOnlyStorageError, SessionStorageError } from '../../../src/core/sessions/session-errors'
import { FileAccessError, FileNotFoundError, errnoKind, fileErrorFrom } from '../../../src/main/io/file-errors'
import { toStorageError } from '../../../src/main/sessions/fs-errors'
import { testTempDir } from '../../helpers/temp-dir'

function failureOf(fn: () => unknown): NodeJS.ErrnoException {
  try {
    fn()
  } catch (error) {
    return error as NodeJS.ErrnoException
  }
  throw new Error('expected the call to fail')
}

describe('fs error mapping', () => {
  it('maps real fs failures (missing file, a directory, a file as a folder) to typed errors naming the path', () => {
    const dir = testTempDir('ausculta-file-errors-')
    writeFileSync(join(dir, 'plain'), 'x')
    mkdirSync(join(dir, 'folder'))
    const missing = fileErrorFrom(
      failureOf(() => readFileSync(join(dir, 'missing.wav'))),
      'missing.wav',
      'read',
    )
    expect(missing).toBeInstanceOf(FileNotFoundError)
    expect((missing as Error).message).toBe('missing.wav: file not found')
    const folder = fileErrorFrom(
      failureOf(() => readFileSync(join(dir, 'folder'))),
      'folder',
      'read',
    )
    expect(folder).toBeInstanceOf(FileAccessError)
    expect((folder as Error).message).toBe('folder: is a directory, not a file')
    const underFile = toStorageError(
      failureOf(() => writeFileSync(join(dir, 'plain', 'child'), 'x')),
      'plain/child',
      'writing',
    )
    expect(underFile).toBeInstanceOf(SessionStorageError)
    expect(underFile).not.toBeInstanceOf(ReadOnlyStorageError)
  })

  it('both mappers treat EACCES, EPERM and EROFS as not writable and ENOSPC, EDQUOT as full', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      expect(errnoKind(code)).toBe('not-writable')
      const error = Object.assign(new Error(code), { code })
      expect(toStorageError(error, 'a', 'writing')).toBeInstanceOf(ReadOnlyStorageError)
      expect(fileErrorFrom(error, 'a', 'write')).toBeInstanceOf(FileAccessError)
    }
    for (const code of ['ENOSPC', 'EDQUOT']) {
      expect(toStorageError(Object.assign(new Error(code), { code }), 'a', 'writing')).toBeInstanceOf(DiskFullError)
    }
    expect(errnoKind('EIO')).toBe('other')
  })
})
