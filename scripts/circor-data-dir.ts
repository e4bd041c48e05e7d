/**
 * The CirCor folder a script works on: `--data <folder>`, else `AUSCULTA_CIRCOR_DIR`, else
 * `../shared/data/circor` beside the repository (our machines). The dataset is not in the
 * repository, so without any of them the script stops with one line saying what to pass.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export function circorDataDir(dataOption: string | undefined, scriptName: string): string {
  if (dataOption !== undefined && dataOption !== '') return dataOption
  const fromEnv = process.env.AUSCULTA_CIRCOR_DIR
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const beside = resolve(__dirname, '..', '..', 'shared', 'data', 'circor')
  if (existsSync(join(beside, 'training_data'))) return beside
  const layout = 'a folder in the CirCor release layout: training_data/ and training_data.csv'
  process.stderr.write(`${scriptName}: no CirCor folder: pass --data <folder> or set AUSCULTA_CIRCOR_DIR (${layout})\n`)
  process.exit(2)
}
