/**
 * Round trip through a real PACS: a session recorded by the real recorder on laptop A →
 * DICOM → STOW-RS into Orthanc (from apt, started here on 127.0.0.1) → QIDO-RS list on laptop B →
 * WADO-RS fetch into B's library: the same session, files byte for byte.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeSessionDicom } from '../../../src/core/dicom/session-dicom'
import { formatAnnotationDoc } from '../../../src/core/sessions/annotations'
import { SESSION_FILES } from '../../../src/main/sessions/data-dir'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { DicomWebClient, PacsError } from '../../../src/main/sharing/dicomweb-client'
import { fetchPacsSession, listPacsSessions, sendSessions } from '../../../src/main/sharing/pacs'
import { PacsService } from '../../../src/main/sharing/pacs-service'
import { sessionDicomBytes } from '../../../src/main/sharing/session-dicom-files'
import { InvalidArgumentError } from '../../../src/core/errors'
import { orthancMissing, startOrthanc, type OrthancServer } from '../../helpers/orthanc'
import { sharingSession } from '../../helpers/sharing-session'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
const missing = orthancMissing()
if (missing) console.warn(`PACS round trip skipped: ${missing}`)

/** A session recorded by the real recorder: audio in 1-s chunks, the trace's window events, annotations. */
function recordSession(dataDir: string, options: { scale?: number; visitId?: string } = {}): string {
  const source = sharingSession({ scale: options.scale })
  const { meta } = source
  const recorder = SessionRecorder.start({
    dataDir,
    sampleRateHz: meta.sampleRateHz,
    location: meta.location,
    patient: meta.patient,
    device: meta.device,
    modelId: meta.modelId,
    startedAt: new Date(meta.startedAt),
    ...(options.visitId ? { visitId: options.visitId } : {}),
  })
  for (let at = 0; at < source.samples.length; at += meta.sampleRateHz) {
    const samples = source.samples.slice(at, at + meta.sampleRateHz)
    recorder.appendAudio({ samples, sampleRateHz: meta.sampleRateHz, firstSampleIndex: at })
  }
  for (const entry of source.trace) recorder.appendWindowEvent(entry)
  const final = recorder.stop(meta.notes)
  const dir = new SessionLibrary(dataDir).get(final.id).dir
  writeFileSync(join(dir, SESSION_FILES.annotations), formatAnnotationDoc(source.annotations ?? { schemaVersion: 1, items: [] }))
  return final.id
}

describe.skipIf(missing !== undefined)('sessions through a real Orthanc (DICOMweb)', () => {
  let orthanc: OrthancServer
  let client: DicomWebClient

  beforeAll(async () => {
    orthanc = await startOrthanc()
    client = new DicomWebClient({ url: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password })
  }, 60_000)

  afterAll(async () => {
    await orthanc?.stop()
  }, 30_000)

  it('STOW, QIDO, WADO: the fetched session is the sent one, file for file', async () => {
    const laptopA = new SessionLibrary(testTempDir('ausculta-laptop-a-'))
    const laptopB = new SessionLibrary(testTempDir('ausculta-laptop-b-'))
    const exactId = recordSession(laptopA.dataDir)
    const floatId = recordSession(laptopA.dataDir, { scale: 0.7, visitId: 'visit-1' })

    const sent = await sendSessions(client, laptopA, [exactId, floatId])
    expect(sent.map((s) => s.id)).toEqual([exactId, floatId])
    // Sending again is idempotent: same UIDs, the PACS keeps one instance per series.
    await sendSessions(client, laptopA, [exactId])

    const rows = await listPacsSessions(client)
    expect(rows).toHaveLength(2)
    const row = rows.find((r) => r.seriesUid === decodeSessionDicom(sessionDicomBytes(laptopA, exactId)).seriesUid)
    expect(row).toMatchObject({ patientName: 'Zoë Ångström', patientId: 'MRN-0042', description: 'Heart sounds, aortic area (AV)' })
    expect(row?.startedAt).toBe('2026-12-03T10:15:02.250Z')
    expect(await listPacsSessions(client, { patientId: 'nobody' })).toEqual([])

    for (const id of [exactId, floatId]) {
      const seriesUid = decodeSessionDicom(sessionDicomBytes(laptopA, id)).seriesUid
      const imported = await fetchPacsSession(client, laptopB, seriesUid)
      expect(imported).toEqual({ id, alreadyPresent: false, source: 'ausculta' })
      const a = laptopA.get(id)
      const b = laptopB.get(id)
      for (const file of [SESSION_FILES.audio, SESSION_FILES.trace, SESSION_FILES.annotations])
        expect(readFileSync(join(b.dir, file)).equals(readFileSync(join(a.dir, file))), `${id}/${file}`).toBe(true)
      const { importedFrom, ...meta } = b.meta
      expect(meta).toEqual(a.meta)
      expect(importedFrom).toMatchObject({ seriesUid })
      // The library opens it like any session: audio decodes to the same samples.
      expect(laptopB.readAudio(id).channelData[0]).toEqual(laptopA.readAudio(id).channelData[0])
      expect(await fetchPacsSession(client, laptopB, seriesUid)).toEqual({ id, alreadyPresent: true, source: 'ausculta' })
    }
    expect(laptopB.list().problems).toEqual([])
  }, 120_000)

  it('a wrong password, an unknown series and an unreachable PACS are PacsErrors that say so', async () => {
    const wrong = new DicomWebClient({ url: orthanc.dicomWebUrl, username: orthanc.username, password: 'nope' })
    await expect(listPacsSessions(wrong)).rejects.toThrow(/401 — user name or password refused/)
    const library = new SessionLibrary(testTempDir('ausculta-laptop-c-'))
    await expect(fetchPacsSession(client, library, '2.25.12345')).rejects.toThrow(PacsError)
    const closed = new DicomWebClient({ url: 'http://127.0.0.1:9/dicom-web', timeoutMs: 5000 })
    await expect(listPacsSessions(closed)).rejects.toThrow(/not reachable/)
  }, 60_000)

  it('ausculta export-dicom, export-fhir and pacs send|list|fetch do the same from the command line', async () => {
    const laptopA = testTempDir('ausculta-cli-a-')
    const laptopB = testTempDir('ausculta-cli-b-')
    const id = recordSession(laptopA)
    const folder = new SessionLibrary(laptopA).get(id).dir
    const env = { ...process.env, AUSCULTA_PACS_URL: orthanc.dicomWebUrl, AUSCULTA_PACS_USER: orthanc.username }
    const cli = (args: string[], extraEnv: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [join(ROOT, 'bin/ausculta.js'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...env, ...extraEnv },
      })

    const dcm = join(laptopA, 'out.dcm')
    const exported = cli(['export-dicom', folder, dcm])
    expect(exported.stderr).toBe('')
    expect(exported.status).toBe(0)
    expect(decodeSessionDicom(readFileSync(dcm)).meta.id).toBe(id)
    const fhir = join(laptopA, 'out.json')
    expect(cli(['export-fhir', id, fhir, '--data-dir', laptopA]).status).toBe(0)
    expect(JSON.parse(readFileSync(fhir, 'utf8'))).toMatchObject({ resourceType: 'Bundle', type: 'transaction' })

    const refused = cli(['pacs', 'list'], { AUSCULTA_PACS_PASSWORD: 'wrong' })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/PacsError: .*user name or password refused/)
    expect(cli(['pacs', 'list'], { AUSCULTA_PACS_URL: '' }).status).toBe(2)

    const withPassword = { AUSCULTA_PACS_PASSWORD: orthanc.password }
    expect(cli(['pacs', 'send', folder], withPassword).status).toBe(0)
    const listed = cli(['pacs', 'list', '--json', '--patient', 'MRN-0042'], withPassword)
    expect(listed.status).toBe(0)
    const rows = JSON.parse(listed.stdout) as { seriesUid: string }[]
    const seriesUid = decodeSessionDicom(readFileSync(dcm)).seriesUid
    expect(rows.map((r) => r.seriesUid)).toContain(seriesUid)
    const fetched = cli(['pacs', 'fetch', seriesUid, '--data-dir', laptopB], withPassword)
    expect(fetched.stdout).toContain(`fetched session ${id}`)
    expect(readFileSync(join(new SessionLibrary(laptopB).get(id).dir, 'audio.wav')).equals(readFileSync(join(folder, 'audio.wav')))).toBe(
      true,
    )
  }, 180_000)

  it('the API service keeps the PACS settings (never handing the password out), sends, lists what is here, fetches', async () => {
    const laptopA = testTempDir('ausculta-api-a-')
    const laptopB = testTempDir('ausculta-api-b-')
    const id = recordSession(laptopA)
    const a = new PacsService({ homeDataDir: laptopA, dataDir: () => laptopA })
    const b = new PacsService({ homeDataDir: laptopB, dataDir: () => laptopB })
    await expect(a.send({ sessionId: id })).rejects.toThrow(/no PACS configured/)
    await expect(a.configure({ url: 'ftp://pacs' })).rejects.toThrow(InvalidArgumentError)
    await expect(a.configure({ url: 'http://nurse:pw@pacs.local/dicom-web' })).rejects.toThrow(/not inside the URL/)
    const settings = { url: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password }
    expect(await a.configure(settings)).toEqual({ url: orthanc.dicomWebUrl, username: orthanc.username, hasPassword: true })
    expect(JSON.stringify(await a.settings({}))).not.toContain(orthanc.password)
    await b.configure(settings)
    // Changing the address keeps the stored password unless one is given.
    expect(await b.configure({ url: orthanc.dicomWebUrl })).toMatchObject({ hasPassword: true })

    // The send runs on the sharing worker: its errors come back under their own class name.
    await expect(a.send({ sessionId: '20990101T000000Z-000000' })).rejects.toMatchObject({ name: 'SessionNotFoundError' })
    await a.send({ sessionId: id })
    const seriesUid = decodeSessionDicom(sessionDicomBytes(new SessionLibrary(laptopA), id)).seriesUid
    expect((await a.list({})).series.find((r) => r.seriesUid === seriesUid)?.inLibrary).toBe(true)
    expect((await b.list({})).series.find((r) => r.seriesUid === seriesUid)?.inLibrary).toBe(false)
    expect(await b.fetch({ seriesUid })).toEqual({ sessionId: id, alreadyPresent: false })
    expect((await b.list({ patientId: 'MRN-0042' })).series.find((r) => r.seriesUid === seriesUid)?.inLibrary).toBe(true)
  }, 60_000)
})
