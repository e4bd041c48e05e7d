import { randomBytes } from 'node:crypto'
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs'
import { constants as bufferConstants } from 'node:buffer'
import { basename, dirname, join } from 'node:path'
import { WavFormatError } from '../../core/wav/wav-format'
import { decodeWav, downmixToMono, type WavAudio } from '../../core/wav/wav-reader'
import { encodeWav, type WavSampleFormat } from '../../core/wav/wav-writer'
import { FileAccessError, fileErrorFrom } from './file-errors'

export { FileAccessError, FileNotFoundError } from './file-errors'

/** A RIFF file's size field is 32-bit: no WAV is longer than this (RF64 is refused by the decoder). */
export const MAX_WAV_FILE_BYTES = 0xffffffff + 8
/**
 * The highest sample rate accepted: 768 kHz, the top rate of current audio converters. A header
 * claiming more (4 GHz) is damage, and would otherwise reach the resampler as an internal error.
 */
export const MAX_WAV_SAMPLE_RATE_HZ = 768_000
/**
 * Below this a file cannot hold one beat at 30 bpm, the slowest heart rate Ausculta reports: it
 * is read, with a warning, since a 1-sample or header-only WAV is almost always a broken export.
 */
export const MIN_USEFUL_WAV_SECONDS = 2

/** Where the warnings of WAV files read here go; the CLI prefixes them with the command's name. */
export type WavWarningHandler = (warning: string) => void

let warningHandler: WavWarningHandler = (warning) => {
  process.stderr.write(`warning: ${warning}\n`)
}

/** Sets where warnings of files read by readWavFile/readWavMono go (default: stderr); returns the previous handler. */
export function setWavWarningHandler(handler: WavWarningHandler): WavWarningHandler {
  const previous = warningHandler
  warningHandler = handler
  return previous
}

function describeFileType(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * The bytes of a regular file, read through one descriptor: a FIFO, a device (/dev/zero), a socket
 * or a directory is refused before a single byte is read (reading one could block forever or never
 * end); the file is opened non-blocking, so even opening a FIFO with no writer returns at once. The
 * read is capped at the size fstat declares, so a file that keeps growing is read as it was, and
 * at the largest size a RIFF file can have.
 */
function readRegularFile(path: string): Uint8Array {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (error) {
    throw fileErrorFrom(error, path, 'read')
  }
  try {
    const st = fstatSync(fd)
    if (st.isDirectory()) throw new FileAccessError(path, 'EISDIR', 'is a directory, not a file')
    if (!st.isFile()) throw new FileAccessError(path, 'ENOTREG', `${describeFileType(st)}, not a WAV file; give a regular file`)
    if (st.size > MAX_WAV_FILE_BYTES || st.size > bufferConstants.MAX_LENGTH) {
      throw new FileAccessError(path, 'EFBIG', `${st.size} bytes: larger than any WAV file can be (4 GiB)`)
    }
    const bytes = new Uint8Array(st.size)
    let got = 0
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, got)
      if (n === 0) break // truncated under us: decode what is there
      got += n
    }
    return got === bytes.length ? bytes : bytes.subarray(0, got)
  } catch (error) {
    throw error instanceof FileAccessError ? error : fileErrorFrom(error, path, 'read')
  } finally {
    closeSync(fd)
  }
}

/**
 * Read and decode a WAV file; errors (missing file, not a regular file, bad format) name `path`.
 * Its warnings (declared sizes the file does not hold, a file too short for a heart rate, …) are
 * returned and also reported to the warning handler (stderr by default), so no caller can drop
 * them silently.
 */
export function readWavFile(path: string): WavAudio {
  const audio = decodeWav(readRegularFile(path), path)
  if (audio.sampleRateHz > MAX_WAV_SAMPLE_RATE_HZ) {
    throw new WavFormatError(
      `${path}: sample rate ${audio.sampleRateHz} Hz in the fmt chunk is beyond any audio device (at most ` +
        `${MAX_WAV_SAMPLE_RATE_HZ} Hz); the header is damaged`,
    )
  }
  if (audio.frames === 0) {
    audio.warnings.push(`${path}: no audio: the data chunk holds no samples (header only)`)
  } else if (audio.frames < MIN_USEFUL_WAV_SECONDS * audio.sampleRateHz) {
    const seconds = audio.frames / audio.sampleRateHz
    audio.warnings.push(
      `${path}: only ${audio.frames} sample${audio.frames === 1 ? '' : 's'} ` +
        `(${seconds < 0.01 ? `${(seconds * 1000).toFixed(2)} ms` : `${seconds.toFixed(2)} s`}): too short for a heart rate (one ` +
        `beat at 30 bpm takes ${MIN_USEFUL_WAV_SECONDS} s)`,
    )
  }
  for (const warning of audio.warnings) warningHandler(warning)
  return audio
}

/** The file as one channel (mean of its channels) at its own rate, with the file's warnings (already reported). */
export function readWavMono(path: string): { samples: Float32Array; sampleRateHz: number; warnings: string[] } {
  const audio = readWavFile(path)
  return { samples: downmixToMono(audio), sampleRateHz: audio.sampleRateHz, warnings: audio.warnings }
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
