/**
 * The installer config (electron-builder.yml) validates against electron-builder's schema, and
 * what it would pack holds the models, the addon and the built app and no development files.
 */
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { packageContents, PackageConfigError, validateBuilderConfig } from '../../../src/main/packaging/package-contents'
import { packagingProblems } from '../../../src/main/packaging/package-rules'

const ROOT = join(__dirname, '../../..')
const built = existsSync(join(ROOT, 'out/main/index.js'))

describe('packaging', () => {
  it('rejects an invalid electron-builder configuration', async () => {
    await expect(validateBuilderConfig({ noSuchOption: true })).rejects.toThrow(PackageConfigError)
    await expect(validateBuilderConfig({ linux: { nonsense: 1 } })).rejects.toThrow(/configuration\.linux/)
  })

  it('flags missing models and shipped development files', () => {
    const problems = packagingProblems({
      appFiles: ['package.json', 'src/main/index.ts', 'models/training/pretrain.py'],
      dependencies: ['vitest'],
      asarUnpack: [],
    })
    expect(problems).toContain('missing models/ausculta-encoder.onnx')
    expect(problems.some((p) => p.startsWith('development file would ship: src/main/index.ts'))).toBe(true)
    expect(problems.some((p) => p.startsWith('development file would ship: models/training/pretrain.py'))).toBe(true)
    expect(problems).toContain('development package would ship: vitest')
    expect(problems.some((p) => p.startsWith('asarUnpack lacks models/**'))).toBe(true)
  })

  it.skipIf(!built && process.env['CI'] !== 'true')('packs the built app, models and addon and nothing for development', async () => {
    const contents = await packageContents(ROOT)
    expect(packagingProblems(contents)).toEqual([])
    expect(contents.appFiles).toContain('models/ausculta-encoder.onnx')
  })
})
