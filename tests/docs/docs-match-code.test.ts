/**
 * The documentation names what the code has, and nothing it lacks: docs/api.md lists every
 * channel and event of the API contract and no other; the README's command-line synopsis names
 * every `ausculta` command, and only options that command's usage text lists.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { API_EVENTS, API_METHODS } from '../../src/core/api/contract'
import { COMMANDS } from '../../src/main/cli/commands'

const ROOT = join(__dirname, '../..')
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

/** `area:name` tokens at the start of a code span (`sessions:repair {key}` counts as sessions:repair). */
function apiNames(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([a-z]+:[a-zA-Z]+)(?=[`\s])/g)].map((m) => m[1]!))
}

/** Code spans that start with `ausculta <command>`, possibly wrapped over lines of the Markdown list. */
function cliSpans(markdown: string): Array<{ command: string; text: string }> {
  return [...markdown.matchAll(/`ausculta ([a-z][a-z-]*)([^`]*)`/g)].map((m) => ({ command: m[1]!, text: m[2]! }))
}

describe('docs/api.md and the API contract', () => {
  const named = apiNames(read('docs/api.md'))
  const contract = [...Object.keys(API_METHODS), ...Object.keys(API_EVENTS)].sort()

  it('names every channel and event of the contract', () => {
    expect(contract.filter((name) => !named.has(name))).toEqual([])
  })

  it('names no channel or event the contract lacks', () => {
    expect([...named].filter((name) => !contract.includes(name)).sort()).toEqual([])
  })
})

describe("the README's command-line synopsis", () => {
  const spans = cliSpans(read('README.md'))

  it('names every command of the CLI', () => {
    const documented = new Set(spans.map((s) => s.command))
    expect(Object.keys(COMMANDS).filter((name) => !documented.has(name))).toEqual([])
  })

  it.each(spans.map((s) => [s.command, s.text] as const))('ausculta %s%s: a command with those options', (command, text) => {
    const cli = COMMANDS[command]
    expect(cli, `no command '${command}'`).toBeDefined()
    const options = new Set([...cli!.usage.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))
    const unknown = [...text.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]).filter((option) => !options.has(option))
    expect(unknown, `ausculta ${command}`).toEqual([])
  })
})
