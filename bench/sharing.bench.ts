/**
 * npm run bench:sharing: what sharing a long session costs. A 1-h session at 4 kHz (the demo
 * recording looped; 16-bit exact, so no float block) and the same with float samples: DICOM
 * encode and decode time, file size; with Orthanc installed, STOW-RS send and WADO-RS fetch into
 * a second library through a real Orthanc on 127.0.0.1 (tests/helpers/orthanc.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeSessionDicom, encodeSessionDicom } from '../src/core/dicom/session-dicom'
import { SessionLibrary } from '../src/main/sessions/session-store'
import { SessionRecorder } from '../src/main/sessions/session-recorder'
import { DicomWebClient } from '../src/main/sharing/dicomweb-client'
import { sendSessions } from '../src/main/sharing/pacs'
import { dicomIdentityFor, importSessionDicom, readSessionForSharing } from '../src/main/sharing/session-dicom-files'
import { readWavMono } from '../src/main/io/wav-file'
import { orthancMissing, startOrthanc } from '../tests/helpers/orthanc'

const HOURS = Number(process.argv[2] ?? 1)

function ms(start: bigint): string {
  return `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`
}

function record(dataDir: string, scale: number): string {
  const demo = readWavMono(join(__dirname, '../samples/50238_MV.wav'))
  const rate = demo.sampleRateHz
  const recorder = SessionRecorder.start({ dataDir, sampleRateHz: rate, location: 'MV', device: { id: 'b', name: 'bench' }, modelId: null })
  const total = Math.round(HOURS * 3600 * rate)
  for (let at = 0; at < total; at += rate) {
    const samples = new Float32Array(Math.min(rate, total - at))
    for (let i = 0; i < samples.length; i++) samples[i] = (demo.samples[(at + i) % demo.samples.length] as number) * scale
    recorder.appendAudio({ samples, sampleRateHz: rate, firstSampleIndex: at })
    if (at % (rate * 5) === 0)
      recorder.appendWindowEvent({ timeS: at / rate, hrBpm: 72, confidence: 0.9, layers: [], classicalHrBpm: 71, classicalQuality: 0.8 })
  }
  return recorder.stop().id
}

async function main(): Promise<void> {
  const a = mkdtempSync(join(tmpdir(), 'ausculta-bench-share-a-'))
  const b = mkdtempSync(join(tmpdir(), 'ausculta-bench-share-b-'))
  try {
    const library = new SessionLibrary(a)
    const ids: string[] = []
    for (const [label, scale] of [
      ['16-bit exact', 1],
      ['float samples', 0.7],
    ] as const) {
      const id = record(a, scale)
      ids.push(id)
      const session = readSessionForSharing(library, id)
      let t = process.hrtime.bigint()
      const bytes = encodeSessionDicom(session, dicomIdentityFor(session))
      const encodeTime = ms(t)
      t = process.hrtime.bigint()
      decodeSessionDicom(bytes)
      console.log(
        `${HOURS} h at 4 kHz, ${label}: ${(bytes.length / 1e6).toFixed(1)} MB DICOM ` +
          `(WAV ${((session.samples.length * 4) / 1e6).toFixed(1)} MB), encode ${encodeTime}, decode ${ms(t)}`,
      )
    }
    const missing = orthancMissing()
    if (missing) {
      console.log(`PACS figures skipped: ${missing}`)
      return
    }
    const orthanc = await startOrthanc()
    try {
      const client = new DicomWebClient({
        url: orthanc.dicomWebUrl,
        username: orthanc.username,
        password: orthanc.password,
        timeoutMs: 600_000,
      })
      for (const id of ids) {
        let t = process.hrtime.bigint()
        await sendSessions(client, library, [id])
        const sendTime = ms(t)
        t = process.hrtime.bigint()
        const series = dicomIdentityFor(readSessionForSharing(library, id)).seriesUid
        const study = dicomIdentityFor(readSessionForSharing(library, id)).studyUid
        const [file] = await client.retrieveSeries(study, series)
        const retrieveTime = ms(t)
        t = process.hrtime.bigint()
        importSessionDicom(new SessionLibrary(b), file as Uint8Array, series)
        console.log(
          `Orthanc on 127.0.0.1, session ${id}: STOW-RS send ${sendTime}, WADO-RS retrieve ${retrieveTime}, ` +
            `filing into the library ${ms(t)}`,
        )
      }
    } finally {
      await orthanc.stop()
    }
  } finally {
    rmSync(a, { recursive: true, force: true })
    rmSync(b, { recursive: true, force: true })
  }
}

void main()
