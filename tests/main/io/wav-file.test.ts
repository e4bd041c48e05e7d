import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AuscultaError } from '../../../src/core/errors'
import { WavFormatError } from '../../../src/core/wav/wav-reader'
import { FileAccessError, FileNotFoundError, readWavFile, readWavMono, writeWavFile } from '../../../src/main/io/wav-file'
import { CIRCOR_FIXTURES } from '../../helpers/circor-dataset'

const REAL_WAV = join(CIRCOR_FIXTURES, '14241_AV.wav')
const work = mkdtempSync(join(tmpdir(), 'ausculta-wavfile-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('readWavFile / readWavMono', () => {
  it('reads the real CirCor recording', () => {
    const { samples, sampleRateHz } = readWavMono(REAL_WAV)
    expect(sampleRateHz).toBe(4000)
    // (163884 bytes - 44-byte header) / 2 bytes per sample.
    expect(samples.length).toBe(81920)
  })

  it('a missing file is a FileNotFoundError naming the path, not a raw ENOENT', () => {
    const path = join(work, 'nope.wav')
    let caught: unknown
    try {
      readWavFile(path)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(FileNotFoundError)
    expect(caught).toBeInstanceOf(AuscultaError)
    expect((caught as FileNotFoundError).code).toBe('ENOENT')
    expect((caught as Error).message).toBe(`${path}: file not found`)
  })

  it('a directory is a FileAccessError', () => {
    expect(() => readWavFile(work)).toThrow(FileAccessError)
  })

  it('a non-WAV file is a WavFormatError naming the path', () => {
    const path = join(work, 'song.mp3')
    writeFileSync(path, 'ID3\x04 not a wave file')
    expect(() => readWavFile(path)).toThrow(WavFormatError)
    expect(() => readWavFile(path)).toThrow(`${path}: not a RIFF file (starts with "ID3\\x04")`)
  })
})

describe('writeWavFile', () => {
  it('round-trips the real recording byte for byte in pcm16 and leaves no temporary file', () => {
    const audio = readWavFile(REAL_WAV)
    const path = join(work, 'copy.wav')
    writeWavFile(path, audio.channelData, audio.sampleRateHz, 'pcm16')
    // Same canonical 44-byte header layout as the CirCor release, so the bytes match exactly.
    expect(Buffer.compare(readFileSync(path), readFileSync(REAL_WAV))).toBe(0)
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('replaces an existing file and reports an unwritable target as FileAccessError', () => {
    const path = join(work, 'replace.wav')
    writeFileSync(path, 'old')
    writeWavFile(path, [new Float32Array([0.25, -0.25])], 8000, 'float32')
    expect(Array.from(readWavFile(path).channelData[0]!)).toEqual([0.25, -0.25])
    expect(() => writeWavFile(join(work, 'missing-dir', 'x.wav'), [new Float32Array(1)], 8000, 'pcm16')).toThrow(FileNotFoundError)
  })
})
