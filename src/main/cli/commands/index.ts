/**
 * Every `ausculta <name>` command, in a fixed table: the CLI is bundled into the build
 * (out/main/cli.js), so it cannot look for command files at run time.
 * Adding a command: a module in this folder exporting `command = defineCommand({...})`
 * (../define-command.ts), and one line below.
 */
import type { CliCommand } from '../command'
import { command as analyze } from './analyze'
import { command as devices } from './devices'
import { command as evalCommand } from './eval'
import { command as exportDicom } from './export-dicom'
import { command as exportFhir } from './export-fhir'
import { command as pacs } from './pacs'
import { command as play } from './play'
import { command as query } from './query'
import { command as robustness } from './robustness'
import { command as serve } from './serve'
import { command as simulate } from './simulate'
import { command as version } from './version'

export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  analyze,
  devices,
  eval: evalCommand,
  'export-dicom': exportDicom,
  'export-fhir': exportFhir,
  pacs,
  play,
  query,
  robustness,
  serve,
  simulate,
  version,
}
