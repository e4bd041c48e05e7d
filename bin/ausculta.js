#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so `npx ausculta` works right after install.
'use strict'
require('tsx/cjs')
require('../src/main/cli/main.ts').runCli()
