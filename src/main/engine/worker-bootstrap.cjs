// Runs a TypeScript worker entry through tsx when the engine itself runs from source (CLI, tests).
'use strict'
const { workerData } = require('node:worker_threads')
require('tsx/cjs')
require(workerData.entry)
