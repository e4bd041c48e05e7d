/**
 * Resolves a request path to a file inside the built renderer, refusing anything outside it —
 * by name (`..`, encoded or not) and by where the file really is: a symlink inside the folder that
 * points outside it (planted by anyone who can write there) is not followed out.
 */
import { realpathSync, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
}

export function contentTypeOf(filePath: string): string {
  return CONTENT_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream'
}

function isWithin(path: string, root: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep)
}

/** The file under `rootDir` that `urlPath` names, or null when it does not exist or escapes the root (by name or by symlink). */
export function resolveStaticFile(rootDir: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const candidate = normalize(join(rootDir, relative))
  if (!isWithin(candidate, rootDir)) return null
  let real: string
  try {
    real = realpathSync(candidate)
    if (!isWithin(real, realpathSync(rootDir)) || !statSync(real).isFile()) return null
  } catch {
    return null // missing, a dangling link, unreadable
  }
  // Served from the resolved path, so the read does not follow the link a second time.
  return real
}
