// Fails when a tracked source line is longer than 140 characters (issue 19: Prettier wraps code at
// 140 but cannot break long strings, comments or template text, so those are checked here).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const MAX_LENGTH = 140
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|svelte|py|cc|h|inc|sh)$/
const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' })
  .split('\0')
  .filter((file) => SOURCE.test(file) && !file.startsWith('tests/fixtures/'))

let offenders = 0
for (const file of files) {
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    continue // listed by git but deleted in the working tree
  }
  text.split('\n').forEach((line, index) => {
    if (line.length > MAX_LENGTH) {
      offenders++
      console.log(`${file}:${index + 1}: ${line.length} characters (at most ${MAX_LENGTH})`)
    }
  })
}
if (offenders > 0) {
  console.error(`${offenders} line(s) over ${MAX_LENGTH} characters`)
  process.exit(1)
}
console.log(`Line length: ${files.length} files, no line over ${MAX_LENGTH} characters`)
