/**
 * The two paths `settings:update` accepts from a client: the data folder and a model file. Both
 * come over the API (a browser-mode client holding the token, or a compromised renderer), so they
 * are checked as untrusted input:
 *
 * - `dataDir` must be absolute (a relative one would resolve against whatever folder the app was
 *   started from), must not lie in a kernel's virtual file system (/proc, /sys, /dev: `/proc/self`
 *   "exists" and is even writable in places), is resolved through symlinks, and must be a folder
 *   the app can create and write to — checked by writing a probe file before anything is applied.
 * - `modelPath` must be an absolute path to an `.onnx` file. For a model outside the app's model
 *   folder every failure (missing, not a file, unreadable, no card, not a model) gives one and the
 *   same message, so the API cannot be used to learn whether some file exists.
 */
import { existsSync, realpathSync, statSync, unlinkSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { InvalidArgumentError } from '../../core/errors'
import { writeFileAtomic } from '../sessions/atomic-write'
import { ensurePrivateDir } from '../sessions/data-dir'

/** Virtual file systems: nothing there is a place for patient data (Linux; harmless elsewhere). */
const SYSTEM_ROOTS = ['/proc', '/sys', '/dev']

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** `path` with its longest existing ancestor resolved through symlinks (the rest does not exist yet). */
function realPathOfPlanned(path: string): string {
  const missing: string[] = []
  let existing = path
  while (!existsSync(existing)) {
    const parent = dirname(existing)
    if (parent === existing) break
    missing.unshift(basename(existing))
    existing = parent
  }
  let real = existing
  try {
    real = realpathSync(existing)
  } catch {
    // unreadable ancestor: the write probe below reports it
  }
  return missing.length === 0 ? real : join(real, ...missing)
}

/**
 * Checks a data folder asked for through the API and returns the path to store (absolute,
 * normalised). Creates it (owner-only) and proves it writable; throws InvalidArgumentError,
 * naming the rule broken but not echoing the request.
 */
export function checkDataDir(requested: string): string {
  if (!isAbsolute(requested))
    throw new InvalidArgumentError('dataDir: must be an absolute path (a relative one would depend on the folder the app was started from)')
  if (requested.includes('\0')) throw new InvalidArgumentError('dataDir: contains a NUL character')
  const normalised = resolve(requested)
  const real = realPathOfPlanned(normalised)
  for (const root of SYSTEM_ROOTS) {
    if (isInside(normalised, root) || isInside(real, root))
      throw new InvalidArgumentError(`dataDir: ${root} is a system folder, not a place for recordings`)
  }
  if (existsSync(normalised) && !statSync(normalised).isDirectory()) throw new InvalidArgumentError('dataDir: exists and is not a folder')
  try {
    ensurePrivateDir(normalised)
    const probe = join(normalised, `.ausculta-write-probe-${process.pid}`)
    writeFileAtomic(probe, '')
    unlinkSync(probe)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new InvalidArgumentError(`dataDir: the folder cannot be created or written to${typeof code === 'string' ? ` (${code})` : ''}`, {
      cause: error,
    })
  }
  return normalised
}

/** The one answer for a model path outside the app's model folder that cannot be used, whatever the reason. */
export const UNUSABLE_MODEL_MESSAGE =
  'modelPath: no usable model at that path (it must be an .onnx file the app can read, with its .card.json beside it)'

/**
 * Checks a model path asked for through the API. `known` are the paths `model:list` offers and the
 * one the app was started with: their errors may be specific. Returns whether the path is known.
 */
export function checkModelPath(requested: string, known: readonly string[]): { path: string; known: boolean } {
  if (!isAbsolute(requested) || !requested.toLowerCase().endsWith('.onnx') || requested.includes('\0')) {
    throw new InvalidArgumentError('modelPath: must be the absolute path of an .onnx file')
  }
  const path = resolve(requested)
  if (known.some((k) => resolve(k) === path)) return { path, known: true }
  let usable = false
  try {
    usable = statSync(path).isFile() && statSync(path.replace(/\.onnx$/i, '.card.json')).isFile()
  } catch {
    usable = false
  }
  if (!usable) throw new InvalidArgumentError(UNUSABLE_MODEL_MESSAGE)
  return { path, known: false }
}
