/**
 * What a sharing command names as `<session>`: a session folder (…/sessions/<day>/<id>, as the
 * library and exports show it), or a session id looked up in a data folder (--data-dir, else the
 * app's default).
 */
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { SessionNotFoundError } from '../../core/sessions/session-errors'
import { SESSION_FILES } from '../sessions/data-dir'
import { SessionLibrary } from '../sessions/session-store'
import { join } from 'node:path'

export interface SessionTarget {
  library: SessionLibrary
  id: string
}

export function resolveSessionTarget(arg: string, dataDir: string): SessionTarget {
  const path = resolve(arg)
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (!existsSync(join(path, SESSION_FILES.meta)))
      throw new SessionNotFoundError(`${arg}: not a session folder (no ${SESSION_FILES.meta})`)
    const sessions = dirname(dirname(path))
    if (basename(sessions) !== 'sessions')
      throw new SessionNotFoundError(`${arg}: a session folder lies in <data folder>/sessions/<day>/<id>`)
    return { library: new SessionLibrary(dirname(sessions)), id: basename(path) }
  }
  return { library: new SessionLibrary(dataDir), id: arg }
}
