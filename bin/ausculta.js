#!/usr/bin/env node
// `ausculta`: runs the CLI from the build (out/main/cli.js, made by `npm run build`). In a
// checkout that has not been built yet, or with AUSCULTA_CLI_FROM_SOURCE=1 (the test suite, so
// it tests the sources and never a stale build), it runs the TypeScript sources through tsx,
// a development dependency.
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const built = join(__dirname, '..', 'out', 'main', 'cli.js')
if (process.env.AUSCULTA_CLI_FROM_SOURCE !== '1' && existsSync(built)) {
  require(built).runCli()
} else {
  let tsx
  try {
    tsx = require.resolve('tsx/cjs')
  } catch {
    process.stderr.write('ausculta: no built CLI (out/main/cli.js) and no tsx to run the sources: run `npm run build` first\n')
    process.exit(1)
  }
  require(tsx)
  require('../src/main/cli/main.ts').runCli()
}
