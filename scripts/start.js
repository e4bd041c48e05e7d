#!/usr/bin/env node
/**
 * `npm start`: builds the app, then starts it in Electron when Electron's binary is installed,
 * otherwise (offline installs, where the binary cannot be downloaded) says so and starts browser
 * mode: the same app served to a local browser on 127.0.0.1.
 */
'use strict'
const { spawnSync, spawn } = require('node:child_process')
const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')

function electronBinary() {
  // Reading path.txt ourselves: require('electron') would try to download a missing binary.
  const electronDir = join(root, 'node_modules', 'electron')
  const pathFile = join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : null
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'])

const binary = electronBinary()
const args = process.argv.slice(2)
let child
if (binary) {
  child = spawn(binary, [root, ...args], { cwd: root, stdio: 'inherit' })
} else {
  process.stdout.write(
    "Electron's binary is not installed (it cannot be downloaded on an offline install).\n" +
      'Starting browser mode instead: open the address below in a browser on this computer.\n',
  )
  child = spawn(process.execPath, [join(root, 'bin', 'ausculta.js'), 'serve', ...args], { cwd: root, stdio: 'inherit' })
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
