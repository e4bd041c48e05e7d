// Preloaded (node --require) into a process that must run from built JavaScript alone: loading
// tsx or any .ts file throws, as it would where tsx (a development dependency) is not installed.
'use strict'
const Module = require('node:module')
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (request === 'tsx' || request.startsWith('tsx/') || /\.[cm]?ts$/.test(request)) {
    throw new Error(`forbidden at run time (TypeScript source or tsx): ${request}`)
  }
  return resolveFilename.call(this, request, ...rest)
}
