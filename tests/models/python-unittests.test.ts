/**
 * The Python training code's own unit tests that need no dataset (augmentation, robustness-suite
 * generator), run in CI with Debian's python3 (numpy, scipy, torch from apt).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '../..')

describe('models/training Python unit tests', () => {
  for (const module of ['models.training.test_augment', 'models.training.test_robustness', 'models.training.test_captions']) {
    it(module, async () => {
      const result = await promisify(execFile)('/usr/bin/python3', ['-m', 'unittest', module], {
        cwd: ROOT,
        env: { ...process.env, PYTHONPATH: ROOT },
        maxBuffer: 16 << 20,
      }).catch((error: { stderr: string; code: number }) => ({ stderr: error.stderr, code: error.code }))
      const stderr = (result as { stderr: string }).stderr
      expect(stderr, stderr).toMatch(/\nOK/)
    })
  }
})
