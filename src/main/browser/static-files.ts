/** Resolves a request path to a file inside the built renderer, refusing anything outside it. */
import { existsSync, statSync } from 'node:fs'
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

/** The file under `rootDir` that `urlPath` names, or null when it does not exist or escapes the root. */
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
  const rootWithSep = rootDir.endsWith(sep) ? rootDir : rootDir + sep
  if (!candidate.startsWith(rootWithSep)) return null
  if (!existsSync(candidate) || !statSync(candidate).isFile()) return null
  return candidate
}
