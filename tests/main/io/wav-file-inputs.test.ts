/**
 * What the WAV file reading layer does with inputs that are not plain, whole WAV files (issue 20,
 * item 5), made for real: a FIFO (mkfifo), /dev/zero and a symlink to it, a directory, a 4-GHz
 * header, a file whose declared data size exceeds it, and 1-sample and header-only files. The
 * endless inputs are read in a child process with a time limit, so a regression fails the test
 * instead of hanging the suite.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { WavFormatError } from '../../../src/core/wav/wav-format'
import { encodeWav } from '../../../src/core/wav/wav-writer'
import { FileAccessError, readWavFile, readWavMono, setWavWarningHandler } from '../../../src/main/io/wav-file'
import { testTempDir } from '../../helpers/temp-dir'

const ROOT = join(__dirname, '../../..')
/** Seconds a refused input may take to be refused: reading /dev/zero for that long would be gigabytes. */
const REFUSAL_TIMEOUT_MS = 20_000

/** Reads `path` with readWavFile in a child process; the result or the error, or 'hung' past the limit. */
function readInChild(path: string): { outcome: string; ms: number } {
  const script = `const { readWavFile } = require(${JSON.stringify(join(ROOT, 'src/main/io/wav-file.ts'))});
    try { readWavFile(process.argv[1]); console.log('read') } catch (e) { console.log(e.name + ': ' + e.message) }`
  const started = Date.now()
  const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script, path], {
    cwd: ROOT,
    timeout: REFUSAL_TIMEOUT_MS,
    encoding: 'utf8',
  })
  return { outcome: child.signal ? 'hung' : child.stdout.trim(), ms: Date.now() - started }
}

/** A 16-bit mono WAV with `frames` zero samples whose header claims `declaredDataBytes` and `rateHz`. */
function wavBytes(frames: number, rateHz = 4000, declaredDataBytes = frames * 2): Buffer {
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + declaredDataBytes, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(rateHz, 24)
  header.writeUInt32LE((rateHz * 2) >>> 0, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(declaredDataBytes, 40)
  return Buffer.concat([header, Buffer.alloc(frames * 2)])
}

let warnings: string[] = []
const previous = setWavWarningHandler((w) => warnings.push(w))
afterEach(() => {
  warnings = []
})
afterAll(() => setWavWarningHandler(previous))

describe('inputs that are not regular files are refused before any byte is read', () => {
  it('a FIFO with no writer (mkfifo), /dev/zero and a symlink to it', () => {
    const dir = testTempDir('ausculta-wav-inputs-')
    const fifo = join(dir, 'pipe.wav')
    execFileSync('mkfifo', [fifo])
    const link = join(dir, 'zero.wav')
    symlinkSync('/dev/zero', link)
    for (const [path, kind] of [
      [fifo, 'a FIFO'],
      ['/dev/zero', 'a character device'],
      [link, 'a character device'],
    ] as const) {
      const { outcome } = readInChild(path)
      expect(outcome, path).toBe(
        `FileAccessError: ${path}: ${kind}${kind === 'a FIFO' ? ' (named pipe)' : ''}, not a WAV file; give a regular file`,
      )
    }
  })

  it('a directory is still a FileAccessError (EISDIR)', () => {
    const dir = testTempDir('ausculta-wav-inputs-dir-')
    expect(() => readWavFile(dir)).toThrow(FileAccessError)
    expect(() => readWavFile(dir)).toThrow(/is a directory/)
  })
})

describe('damaged and degenerate WAVs', () => {
  it("a 4-GHz sample rate is a WavFormatError naming the file, not the resampler's internal message", () => {
    const path = join(testTempDir('ausculta-wav-ghz-'), 'ghz.wav')
    writeFileSync(path, wavBytes(8000, 4_000_000_000))
    expect(() => readWavFile(path)).toThrow(WavFormatError)
    expect(() => readWavFile(path)).toThrow(
      `${path}: sample rate 4000000000 Hz in the fmt chunk is beyond any audio device (at most 768000 Hz)`,
    )
    // The highest real rate still reads.
    writeFileSync(path, wavBytes(768_000 * 2, 768_000))
    expect(readWavFile(path).sampleRateHz).toBe(768_000)
  })

  it('a declared data size beyond the file is read as far as it goes and said out loud', () => {
    const path = join(testTempDir('ausculta-wav-overrun-'), 'cut.wav')
    writeFileSync(path, wavBytes(6 * 4000, 4000, 20 * 4000 * 2))
    const { samples, warnings: returned } = readWavMono(path)
    expect(samples.length).toBe(6 * 4000)
    expect(warnings).toEqual([`${path}: data chunk size 160000 overruns the file; read the 48000 bytes present`])
    expect(returned).toEqual(warnings)
  })

  it('header-only and 1-sample files are read with a warning; 2 s of audio (one beat at 30 bpm) without', () => {
    const dir = testTempDir('ausculta-wav-short-')
    const cases: Array<[string, number, RegExp | null]> = [
      ['header-only.wav', 0, /no audio: the data chunk holds no samples \(header only\)/],
      ['one.wav', 1, /only 1 sample \(0\.25 ms\): too short for a heart rate/],
      ['almost.wav', 2 * 4000 - 1, /only 7999 samples \(2\.00 s\)/],
      ['enough.wav', 2 * 4000, null],
    ]
    for (const [name, frames, expected] of cases) {
      warnings = []
      const path = join(dir, name)
      writeFileSync(path, wavBytes(frames))
      expect(readWavFile(path).frames).toBe(frames)
      if (expected) expect(warnings.join('\n'), name).toMatch(expected)
      else expect(warnings, name).toEqual([])
    }
  })

  it('a whole float32 file written by our writer reads with no warning', () => {
    const path = join(testTempDir('ausculta-wav-clean-'), 'clean.wav')
    writeFileSync(path, encodeWav([new Float32Array(4000 * 3).fill(0.1)], 4000, 'float32'))
    expect(readWavFile(path).frames).toBe(12_000)
    expect(warnings).toEqual([])
  })
})
