/**
 * `ausculta pacs send|list|fetch`: the PACS as the clinic's shared store (DICOMweb STOW-RS,
 * QIDO-RS, WADO-RS; docs/sharing.md).
 */
import { defaultDataDir } from '../../api/create-backend'
import { SessionLibrary } from '../../sessions/session-store'
import { DicomWebClient } from '../../sharing/dicomweb-client'
import { fetchPacsSession, listPacsSessions, sendSessions } from '../../sharing/pacs'
import { resolveSessionTarget } from '../../sharing/session-target'
import { CliUsageError } from '../command'
import { defineCommand, flagOption, valueOption } from '../define-command'

const usage = `Usage: ausculta pacs send <session>... [options]
       ausculta pacs list [--patient <id>] [--date <yyyymmdd[-yyyymmdd]>] [--json] [options]
       ausculta pacs fetch <series-uid>... [options]

send   stores sessions in the PACS as DICOM General Audio Waveform objects (STOW-RS); sending one
       again changes nothing unless it was edited (then the series gets a new instance)
list   lists the heart-sound series in the PACS (QIDO-RS, modality AU), from any laptop
fetch  retrieves series (WADO-RS) into the library as sessions; one already there is left as is

Options:
  --url <url>       DICOMweb root, e.g. http://pacs.local:8042/dicom-web (else AUSCULTA_PACS_URL)
  --user <name>     basic-auth user (else AUSCULTA_PACS_USER); the password is read from
                    AUSCULTA_PACS_PASSWORD only, never from the command line (other users see it there)
  --data-dir <dir>  the library's data folder (default: the app's)`

export const command = defineCommand({
  summary: 'send sessions to a PACS, list and fetch what other laptops sent (DICOMweb)',
  usage,
  options: {
    url: valueOption(),
    user: valueOption(),
    'data-dir': valueOption(),
    patient: valueOption(),
    date: valueOption(),
    json: flagOption(),
  },
  operands: 'any',
  async run(values, [action, ...args]) {
    if (action !== 'send' && action !== 'list' && action !== 'fetch') throw new CliUsageError('expected send, list or fetch')
    const url = values.url ?? process.env['AUSCULTA_PACS_URL']
    if (!url) throw new CliUsageError('no PACS: give --url or set AUSCULTA_PACS_URL')
    const username = values.user ?? process.env['AUSCULTA_PACS_USER']
    const client = new DicomWebClient({
      url,
      ...(username ? { username, password: process.env['AUSCULTA_PACS_PASSWORD'] ?? '' } : {}),
    })
    const dataDir = values['data-dir'] ?? defaultDataDir()

    if (action === 'send') {
      if (args.length === 0) throw new CliUsageError('send: name at least one <session>')
      for (const arg of args) {
        const { library, id } = resolveSessionTarget(arg, dataDir)
        const [sent] = await sendSessions(client, library, [id])
        process.stdout.write(`sent ${id} → instance ${sent?.sopInstanceUid}\n`)
      }
      return 0
    }
    if (action === 'list') {
      if (args.length > 0) throw new CliUsageError(`list takes no arguments, got ${args.join(' ')}`)
      const rows = await listPacsSessions(client, {
        ...(values.patient ? { patientId: values.patient } : {}),
        ...(values.date ? { date: values.date } : {}),
      })
      if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
      else {
        for (const r of rows)
          process.stdout.write(
            `${r.startedAt || '(no date)'}  ${r.patientId || '-'}  ${r.patientName || '-'}  ${r.description}` +
              `${r.station ? `  from ${r.station}` : ''}\n    series ${r.seriesUid}\n`,
          )
        process.stdout.write(`${rows.length} heart-sound series in ${client.url}\n`)
      }
      return 0
    }
    if (args.length === 0) throw new CliUsageError('fetch: name at least one <series-uid> (see pacs list)')
    const library = new SessionLibrary(dataDir)
    for (const seriesUid of args) {
      const imported = await fetchPacsSession(client, library, seriesUid)
      process.stdout.write(
        imported.alreadyPresent
          ? `${seriesUid}: session ${imported.id} is already in the library\n`
          : `${seriesUid}: fetched session ${imported.id}\n`,
      )
    }
    return 0
  },
})
