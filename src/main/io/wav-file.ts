import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { decodeWav, downmixToMono, type WavAudio } from '../../core/wav/wav-reader'
import { encodeWav, type WavSampleFormat } from '../../core/wav/wav-writer'
import { fileErrorFrom } from './file-errors'

export { FileAccessError, FileNotFoundError } from './file-errors'

/** Read and decode a WAV file; errors (missing file, bad format) name `path`. */
export function readWavFile(path: string): WavAudio {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (error) {
    throw fileErrorFrom(error, path, 'read')
  }
  return decodeWav(bytes, path)
}

/** The file as one channel (mean of its channels) at its own rate. */
export function readWavMono(path: string): { samples: Float32Array; sampleRateHz: number } {
  const audio = readWavFile(path)
  return { samples: downmixToMono(audio), sampleRateHz: audio.sampleRateHz }
}

/**
 * Write a WAV file atomically: encode, write a temporary file beside the target, rename over
 * it. A crash leaves either the old file or the new one, never half of one.
 */
export function writeWavFile(path: string, channelData: Float32Array[], sampleRateHz: number, format: WavSampleFormat): void {
  const bytes = encodeWav(channelData, sampleRateHz, format)
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const fd = openSync(tempPath, 'wx')
    try {
      let written = 0
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
      // Flush before the rename so a power cut cannot leave the new name on empty blocks.
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tempPath, path)
  } catch (error) {
    rmSync(tempPath, { force: true })
    throw fileErrorFrom(error, path, 'write')
  }
}
