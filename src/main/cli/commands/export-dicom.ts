/**
 * `ausculta export-dicom <session> <out.dcm> [--data-dir <dir>]`: a session as a DICOM General
 * Audio Waveform file (docs/sharing.md).
 */
import { writeFileSync } from 'node:fs'
import { decodeSessionDicom } from '../../../core/dicom/session-dicom'
import { defaultDataDir } from '../../api/create-backend'
import { withStorageErrors } from '../../sessions/fs-errors'
import { sessionDicomBytes } from '../../sharing/session-dicom-files'
import { resolveSessionTarget } from '../../sharing/session-target'
import { defineCommand, valueOption } from '../define-command'

const usage = `Usage: ausculta export-dicom <session> <out.dcm> [--data-dir <dir>]

Writes a session as a DICOM General Audio Waveform object (explicit VR little endian, Part 10):
patient, site, times, the audio as 16-bit PCM (exact float32 copy in a private block when needed),
the HR trace as waveform annotations. <session> is a session folder or a session id in the data folder.

Options:
  --data-dir <dir>  data folder to look the id up in (default: the app's)`

export const command = defineCommand({
  summary: 'write a session as a DICOM General Audio Waveform file (.dcm)',
  usage,
  options: { 'data-dir': valueOption() },
  operands: ['<session>', '<out.dcm>'],
  async run(values, [sessionArg, out]) {
    const { library, id } = resolveSessionTarget(sessionArg, values['data-dir'] ?? defaultDataDir())
    const bytes = sessionDicomBytes(library, id)
    withStorageErrors(out, 'writing', () => writeFileSync(out, bytes))
    const { seriesUid, instanceUid } = decodeSessionDicom(bytes, out)
    process.stdout.write(
      `wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB): session ${id}, series ${seriesUid}, instance ${instanceUid}\n`,
    )
    return 0
  },
})
