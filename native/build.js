#!/usr/bin/env node
// Builds the PortAudio addon at `npm install` (postinstall). Never fails the install: without
// PortAudio or a compiler the app still runs and says "audio devices unavailable: install
// PortAudio" (src/main/devices/audio-addon.ts). Set AUSCULTA_SKIP_NATIVE=1 to skip the build.
'use strict'
const { spawnSync } = require('node:child_process')
const { existsSync } = require('node:fs')
const path = require('node:path')

const here = __dirname

function notice(message) {
  process.stderr.write(
    `ausculta native audio: ${message}\n  The app will run without audio devices (serial devices and demo files still work).\n  ` +
      `See native/README.md.\n`,
  )
  process.exit(0)
}

if (process.env.AUSCULTA_SKIP_NATIVE === '1') notice('skipped (AUSCULTA_SKIP_NATIVE=1)')

if (process.platform === 'win32') {
  const root = process.env.PORTAUDIO_ROOT
  if (!root || !existsSync(path.join(root, 'include', 'portaudio.h')))
    notice('PORTAUDIO_ROOT is not set to a vcpkg portaudio install (vcpkg install portaudio:x64-windows)')
} else {
  const probe = spawnSync('pkg-config', ['--exists', 'portaudio-2.0'])
  if (probe.error || probe.status !== 0)
    notice('PortAudio not found (pkg-config portaudio-2.0): install portaudio19-dev (Debian/Ubuntu) or `brew install portaudio` (macOS)')
}

let nodeGyp
try {
  nodeGyp = process.env.npm_config_node_gyp || require.resolve('node-gyp/bin/node-gyp.js', { paths: [path.join(here, '..')] })
} catch {
  notice('node-gyp is not installed')
}

const args = [nodeGyp, 'rebuild']
// Build against the headers of the running Node when they are installed beside it (Debian's
// /usr/include/node, nodejs.org tarballs): no header download, so offline installs work too.
const prefix = path.resolve(path.dirname(process.execPath), '..')
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) && existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`)
}
const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' })
if (result.status !== 0) notice(`node-gyp rebuild failed (exit ${result.status}); is a C++ compiler installed?`)
process.stderr.write('ausculta native audio: built native/build/Release/ausculta_audio.node\n')
