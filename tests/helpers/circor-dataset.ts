/**
 * The whole CirCor development set, for the few tests that need all of it (the 302-patient /
 * 990-recording / 7,589-window counts of docs/hr-protocol.md, protocol parity over many
 * recordings). It is not in the repository: `AUSCULTA_CIRCOR_DIR` names a folder in the release
 * layout (`training_data/`, `training_data.csv`); `bash scripts/test-all.sh` sets it to
 * `../shared/data/circor` where that folder exists. Without the variable those tests are reported
 * as skipped, with one line saying how to run them; a variable that names no such folder is an
 * error, not a skip (a typo must not silently switch the tests off).
 *
 * Tests that need one recording use `samples/` or `tests/fixtures/circor/` instead.
 */
import { existsSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

export const CIRCOR_DIR_VARIABLE = 'AUSCULTA_CIRCOR_DIR'

/** The recordings in `tests/fixtures/circor/` (CirCor layout, with attribution). */
export const CIRCOR_FIXTURES = resolve(__dirname, '../fixtures/circor')

export interface CircorDataset {
  /** The folder `AUSCULTA_CIRCOR_DIR` names, absolute. */
  root: string
  /** `<root>/training_data`: patient `.txt` and each recording's `.wav`, `.tsv`, `.hea`. */
  trainingDataDir: string
  /** `<root>/training_data.csv`. */
  csvPath: string
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory()
}

/** Reads `AUSCULTA_CIRCOR_DIR`; null when unset or empty. Throws when it names no CirCor release folder. */
export function circorDatasetFromEnv(env: NodeJS.ProcessEnv = process.env): CircorDataset | null {
  const value = env[CIRCOR_DIR_VARIABLE]
  if (value === undefined || value === '') return null
  const root = resolve(value)
  const trainingDataDir = join(root, 'training_data')
  if (!isDirectory(trainingDataDir)) {
    const expected = 'expected the CirCor release layout: training_data/ and training_data.csv'
    throw new Error(`${CIRCOR_DIR_VARIABLE}=${value}: ${trainingDataDir} is not a folder (${expected})`)
  }
  return { root, trainingDataDir, csvPath: join(root, 'training_data.csv') }
}

/**
 * The dataset for the test file `testFile` (pass `__filename`), or null after printing the one
 * line that says how to run the file's dataset tests. Use with `describe.skipIf(!dataset)`.
 */
export function circorDatasetFor(testFile: string): CircorDataset | null {
  const dataset = circorDatasetFromEnv()
  if (dataset === null) {
    const file = relative(process.cwd(), testFile)
    const howToRun = `${CIRCOR_DIR_VARIABLE}=../shared/data/circor npx vitest run ${file} (any folder in the CirCor release layout)`
    console.warn(`SKIPPED: whole-dataset tests of ${file} (${CIRCOR_DIR_VARIABLE} unset); run them with ${howToRun}`)
  }
  return dataset
}
