#!/usr/bin/env node
// Prints vitest's JSON result as one plain closing line ("tests: N passed, N failed, N skipped").
'use strict'
const { readFileSync } = require('node:fs')
const file = process.argv[2]
try {
  const result = JSON.parse(readFileSync(file, 'utf8'))
  const passed = result.numPassedTests ?? 0
  const failed = result.numFailedTests ?? 0
  const skipped = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0)
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
} catch (error) {
  process.stdout.write(`\ntests: no result file (${error.message})\n`)
  process.exitCode = 1
}
