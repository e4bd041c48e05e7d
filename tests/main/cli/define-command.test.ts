/**
 * defineCommand (src/main/cli/define-command.ts): options parsed strictly, the operand count
 * checked against the names the command declares, every mistake a CliUsageError.
 */
import { describe, expect, it } from 'vitest'
import { CliUsageError } from '../../../src/main/cli/command'
import { defineCommand, flagOption, valueOption } from '../../../src/main/cli/define-command'

function recorder(operands?: readonly string[] | 'any') {
  const calls: Array<{ values: unknown; operands: string[] }> = []
  const command = defineCommand({
    summary: 's',
    usage: 'Usage: t',
    options: { out: valueOption(), hop: valueOption('1'), json: flagOption() },
    ...(operands === undefined ? {} : { operands }),
    async run(values, given) {
      calls.push({ values, operands: [...given] })
      return 0
    },
  })
  return { command, calls }
}

describe('defineCommand', () => {
  it('passes parsed options (with their defaults) and the declared operands to run', async () => {
    const { command, calls } = recorder(['<session>', '<out.dcm>'])
    await expect(command.run(['a', '--json', 'b'])).resolves.toBe(0)
    expect(calls).toEqual([{ values: { hop: '1', json: true }, operands: ['a', 'b'] }])
  })

  it('names the missing operands, or says how many it got', async () => {
    const { command, calls } = recorder(['<session>', '<out.dcm>'])
    await expect(command.run([])).rejects.toThrow(new CliUsageError('missing <session> <out.dcm>'))
    await expect(command.run(['a'])).rejects.toThrow(new CliUsageError('expected <session> <out.dcm>, got 1 argument(s): a'))
    expect(calls).toEqual([])
  })

  it('a command without operands refuses one; "any" leaves them to the command', async () => {
    await expect(recorder().command.run(['extra'])).rejects.toThrow(/Unexpected argument 'extra'/)
    const any = recorder('any')
    await any.command.run(['x', 'y', 'z'])
    expect(any.calls[0]?.operands).toEqual(['x', 'y', 'z'])
  })

  it('an unknown option or a missing value is a usage error, not a crash', async () => {
    await expect(recorder().command.run(['--nope'])).rejects.toBeInstanceOf(CliUsageError)
    await expect(recorder().command.run(['--out'])).rejects.toBeInstanceOf(CliUsageError)
  })
})
