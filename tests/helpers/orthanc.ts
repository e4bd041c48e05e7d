/**
 * A real Orthanc PACS (Debian's `orthanc` + `orthanc-dicomweb`) for the sharing tests: temp
 * config and storage, a free HTTP port, basic auth on, DICOM port off, remote access refused (only
 * 127.0.0.1 may talk to it), the DICOMweb plugin at /dicom-web. Stopped (SIGTERM, then SIGKILL)
 * and its folder removed when the test file ends.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stopProcess } from './child-process'

export const ORTHANC_BINARY = '/usr/sbin/Orthanc'
const PLUGIN_CANDIDATES = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so']

/** Why Orthanc cannot run here, or undefined when it can. */
export function orthancMissing(): string | undefined {
  if (!existsSync(ORTHANC_BINARY)) return `${ORTHANC_BINARY} not found (apt-get install orthanc orthanc-dicomweb)`
  if (!PLUGIN_CANDIDATES.some((p) => existsSync(p)))
    return 'the Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb)'
  return undefined
}

export interface OrthancServer {
  /** DICOMweb root, e.g. http://127.0.0.1:40123/dicom-web */
  dicomWebUrl: string
  restUrl: string
  username: string
  password: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export async function startOrthanc(): Promise<OrthancServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ausculta-orthanc-'))
  const plugin = PLUGIN_CANDIDATES.find((p) => existsSync(p)) as string
  const username = 'nurse'
  const password = 'stethoscope-7'
  let lastError = ''
  // The port is free when chosen; another process may take it before Orthanc binds: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const config = {
      Name: 'AUSCULTA-TEST',
      StorageDirectory: join(dir, 'storage'),
      IndexDirectory: join(dir, 'storage'),
      HttpPort: port,
      DicomServerEnabled: false,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: true,
      RegisteredUsers: { [username]: password },
      Plugins: [plugin],
      DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
      HttpTimeout: 60,
      StableAge: 1,
    }
    const configPath = join(dir, 'orthanc.json')
    writeFileSync(configPath, JSON.stringify(config))
    const child = spawn(ORTHANC_BINARY, [configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    const restUrl = `http://127.0.0.1:${port}`
    const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const response = await fetch(`${restUrl}/system`, { headers: { Authorization: auth } })
        if (response.ok) {
          return {
            dicomWebUrl: `${restUrl}/dicom-web`,
            restUrl,
            username,
            password,
            async stop() {
              await stopProcess(child)
              rmSync(dir, { recursive: true, force: true })
            },
          }
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    await stopProcess(child)
    lastError = stderr
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`Orthanc did not start: ${lastError.slice(-1500)}`)
}
