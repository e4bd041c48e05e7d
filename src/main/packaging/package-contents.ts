/**
 * What an installer would contain, computed from electron-builder.yml without Electron's binary:
 * the config is validated with electron-builder's own schema, its `files` globs are applied to the
 * project, and the production dependencies are added as electron-builder adds them.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { minimatch } from 'minimatch'
import { AuscultaError } from '../../core/errors'

export class PackageConfigError extends AuscultaError {}

export interface PackageContents {
  /** Project files packed, relative, '/'-separated. */
  appFiles: string[]
  /** Production dependencies packed (package names). */
  dependencies: string[]
  /** asarUnpack patterns from the config. */
  asarUnpack: string[]
}

interface BuilderConfig {
  files?: Array<string | { from?: string; filter?: string[] }>
  asarUnpack?: string[] | string
}

export async function loadBuilderConfig(projectDir: string): Promise<BuilderConfig> {
  // electron-builder's own loader and JSON-schema validation: a typo in the config fails here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig: (dir: string, path: string | null, options: null) => Promise<BuilderConfig>
    validateConfiguration: (config: BuilderConfig, logger: unknown) => Promise<void>
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
  const config = await getConfig(projectDir, null, null)
  try {
    await validateConfiguration(config, new DebugLogger(false))
  } catch (error) {
    throw new PackageConfigError(`electron-builder.yml: ${(error as Error).message}`)
  }
  return config
}

export async function validateBuilderConfig(config: object): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration: (config: object, logger: unknown) => Promise<void>
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
  try {
    await validateConfiguration(config, new DebugLogger(false))
  } catch (error) {
    throw new PackageConfigError(`electron-builder configuration: ${(error as Error).message}`)
  }
}

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (dir === root && (name === 'node_modules' || name === '.git' || name === 'dist')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(root, path, out)
    else out.push(relative(root, path).split(sep).join('/'))
  }
}

function productionDependencies(projectDir: string): string[] {
  const output = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: projectDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  return output
    .split('\n')
    .map((line) => relative(projectDir, line.trim()))
    .filter((path) => path.startsWith('node_modules'))
    .map((path) =>
      path
        .split(sep)
        .join('/')
        .replace(/^.*node_modules\//, ''),
    )
    .sort()
}

export async function packageContents(projectDir: string): Promise<PackageContents> {
  const config = await loadBuilderConfig(projectDir)
  // getConfig normalises `files` to [{ filter: [...] }]; plain strings are accepted too.
  const patterns = (config.files ?? []).flatMap((entry) =>
    typeof entry === 'string' ? [entry] : entry.from === undefined || entry.from === '.' ? (entry.filter ?? []) : [],
  )
  const includes = patterns.filter((pattern) => !pattern.startsWith('!'))
  const excludes = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1))
  const all: string[] = []
  walk(projectDir, projectDir, all)
  const appFiles = all
    .filter((file) => includes.some((p) => minimatch(file, p, { dot: true })) && !excludes.some((p) => minimatch(file, p, { dot: true })))
    .sort()
  const asarUnpack = config.asarUnpack === undefined ? [] : Array.isArray(config.asarUnpack) ? config.asarUnpack : [config.asarUnpack]
  return { appFiles, dependencies: productionDependencies(projectDir), asarUnpack }
}
