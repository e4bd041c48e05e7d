/**
 * The install root: the folder holding Ausculta's package.json, beside which models/, samples/,
 * native/ and out/ live. Found by walking up from this module, so it is right whether the code
 * runs from the sources (src/main/…, through tsx or vitest) or from the build (out/main/, where
 * every entry and chunk sits in one folder), and inside a packaged app.asar.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

let cached: string | undefined

export function appRoot(): string {
  if (cached !== undefined) return cached
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && isOurs(manifest)) return (cached = dir)
    if (dirname(dir) === dir) break
  }
  // Not found (a copied bundle without its package.json): the layout of the sources.
  return (cached = resolve(__dirname, '../..'))
}

function isOurs(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'ausculta'
  } catch {
    return false
  }
}

/** The version in the install root's package.json. */
export function appVersion(): string {
  return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version
}
