/** What an Ausculta installer must and must not contain. */
import { minimatch } from 'minimatch'
import type { PackageContents } from './package-contents'

export const REQUIRED_APP_FILES = [
  'package.json',
  'out/main/index.js',
  'out/main/inference-worker.js',
  'out/main/session-audio-worker.js',
  'out/preload/index.js',
  'out/renderer/index.html',
  'models/ausculta-encoder.onnx',
  'models/ausculta-encoder.card.json',
  'models/ausculta-text.onnx',
  'models/ausculta-text.tokenizer.json',
]

/** The native PortAudio addon (built at npm install where PortAudio is present). */
export const NATIVE_ADDON_PATTERN = 'native/build/Release/*.node'

export const REQUIRED_DEPENDENCIES = ['onnxruntime-node', 'serialport', 'node-hid', 'zod', 'ws']

/** Development files: sources, tests, training code, benchmarks, caches, logs, secrets. */
export const FORBIDDEN_PATTERNS = [
  'src/**',
  'tests/**',
  'bench/**',
  'scripts/**',
  'models/training/**',
  '**/*.ts',
  '**/*.map',
  '**/.env*',
  '**/*.log',
  '.git/**',
  '.ci/**',
  'native/src/**',
  '**/__pycache__/**',
  '**/*.py',
]

/** Packages only the build and the tests need. */
export const FORBIDDEN_DEPENDENCIES = [
  'electron',
  'electron-builder',
  'vite',
  'vitest',
  'typescript',
  'svelte-check',
  'playwright-core',
  '@doyensec/electronegativity',
  // Runs the TypeScript sources in development only; the app and the CLI run the build (out/).
  'tsx',
]

export function packagingProblems(contents: PackageContents): string[] {
  const problems: string[] = []
  const files = new Set(contents.appFiles)
  for (const required of REQUIRED_APP_FILES) if (!files.has(required)) problems.push(`missing ${required}`)
  if (!contents.appFiles.some((file) => minimatch(file, NATIVE_ADDON_PATTERN)))
    problems.push(`missing the native audio addon (${NATIVE_ADDON_PATTERN}); run npm install with PortAudio present`)
  for (const file of contents.appFiles) {
    const rule = FORBIDDEN_PATTERNS.find((pattern) => minimatch(file, pattern, { dot: true }))
    if (rule) problems.push(`development file would ship: ${file} (matches ${rule})`)
  }
  const dependencies = new Set(contents.dependencies)
  for (const name of REQUIRED_DEPENDENCIES) if (!dependencies.has(name)) problems.push(`production dependency missing: ${name}`)
  for (const name of FORBIDDEN_DEPENDENCIES) if (dependencies.has(name)) problems.push(`development package would ship: ${name}`)
  for (const pattern of ['models/**', 'native/build/Release/*.node', 'node_modules/onnxruntime-node/**']) {
    if (!contents.asarUnpack.includes(pattern))
      problems.push(`asarUnpack lacks ${pattern}: native code cannot load from inside the asar archive`)
  }
  return problems
}
