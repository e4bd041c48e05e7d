/**
 * `ausculta export-fhir <session> <out.json> [--audio-url <url>] [--data-dir <dir>]`: a session as
 * an HL7 FHIR R4 transaction bundle (docs/sharing.md).
 */
import { writeFileSync } from 'node:fs'
import { defaultDataDir } from '../../api/create-backend'
import { withStorageErrors } from '../../sessions/fs-errors'
import { sessionFhirBundleOf } from '../../sharing/session-fhir'
import { resolveSessionTarget } from '../../sharing/session-target'
import { defineCommand, valueOption } from '../define-command'

const usage = `Usage: ausculta export-fhir <session> <out.json> [--audio-url <url>] [--data-dir <dir>]

Writes a session as an HL7 FHIR R4 transaction bundle: Patient, one Observation per HR point
(LOINC 8867-4, /min) and a Media with the WAV (inline as base64, or by URL with --audio-url).
POST it to a FHIR server's base URL to create the resources.

Options:
  --audio-url <url>  refer to the WAV at this URL instead of embedding it
  --data-dir <dir>   data folder to look the id up in (default: the app's)`

export const command = defineCommand({
  summary: 'write a session as an HL7 FHIR R4 bundle (.json)',
  usage,
  options: { 'data-dir': valueOption(), 'audio-url': valueOption() },
  operands: ['<session>', '<out.json>'],
  async run(values, [sessionArg, out]) {
    const { library, id } = resolveSessionTarget(sessionArg, values['data-dir'] ?? defaultDataDir())
    const bundle = sessionFhirBundleOf(library, id, values['audio-url'] ? { audioUrl: values['audio-url'] } : {})
    const text = `${JSON.stringify(bundle, null, 1)}\n`
    withStorageErrors(out, 'writing', () => writeFileSync(out, text))
    const observations = bundle.entry.filter((e) => e.resource.resourceType === 'Observation').length
    process.stdout.write(`wrote ${out} (${(text.length / 1e6).toFixed(2)} MB): Patient, Media, ${observations} HR Observation(s)\n`)
    return 0
  },
})
