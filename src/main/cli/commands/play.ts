/**
 * `ausculta play <file.wav> [--speed 0.5|1|2] [--filter bell|diaphragm|wide|none] [--gain dB]
 * [--out file.wav] [--device sink]`: a recording through the listening path, slowed or sped up
 * without changing pitch (slow playback is how murmurs are studied).
 */
import { isListeningFilterMode } from '../../../core/dsp/listening-filters'
import { LISTENING_GAIN_MAX_DB, LISTENING_GAIN_MIN_DB, ListeningPath, type ListeningPathFilter } from '../../../core/dsp/listening-path'
import { timeStretch } from '../../../core/dsp/time-stretch'
import { openAudioOutput } from '../../audio/audio-output'
import { readWavMono, writeWavFile } from '../../io/wav-file'
import { CliUsageError } from '../command'
import { defineCommand, valueOption } from '../define-command'

const SPEEDS = [0.5, 1, 2] as const

const usage =
  `Usage: ausculta play <file.wav> [--speed 0.5|1|2] [--filter bell|diaphragm|wide|none] [--gain <dB>] [--out ` +
  `<file.wav>] [--device <sink>]

Plays a recording through the listening filter, gain and limiter (as live listening does),
at half, normal or double speed without changing pitch.

Options:
  --speed <x>      0.5, 1 or 2 (default 1)
  --filter <name>  bell (20-200 Hz), diaphragm (100-500 Hz), wide (20-1000 Hz) or none (default diaphragm)
  --gain <dB>      0 to 30 (default 12); a limiter keeps the output below -1 dBFS
  --out <file>     write the processed sound to a 16-bit WAV instead of playing it
  --device <sink>  PulseAudio sink to play on (default: the default output)`

/** Processed audio of `samples` for playback: stretched, then filtered, amplified and limited. */
export function renderPlayback(
  samples: Float32Array,
  sampleRateHz: number,
  options: { speed: number; filter: ListeningPathFilter; gainDb: number },
): Float32Array {
  const stretched = timeStretch(samples, sampleRateHz, options.speed)
  const path = new ListeningPath({ sampleRateHz, filter: options.filter, gainDb: options.gainDb })
  // Flush the look-ahead with silence so the last samples come out too.
  const padded = new Float32Array(stretched.length + path.latencySamples)
  padded.set(stretched)
  return path.process(padded).subarray(path.latencySamples)
}

export const command = defineCommand({
  summary: 'play a WAV through a listening filter at 0.5x/1x/2x (pitch kept), or write it with --out',
  usage,
  options: {
    speed: valueOption('1'),
    filter: valueOption('diaphragm'),
    gain: valueOption('12'),
    out: valueOption(),
    device: valueOption(),
  },
  operands: ['<file.wav>'],
  async run(values, [wavPath]) {
    const speed = Number(values.speed)
    if (!SPEEDS.includes(speed as (typeof SPEEDS)[number])) throw new CliUsageError(`--speed must be 0.5, 1 or 2, got '${values.speed}'`)
    const filter = values.filter
    if (filter !== 'none' && !isListeningFilterMode(filter))
      throw new CliUsageError(`--filter must be bell, diaphragm, wide or none, got '${filter}'`)
    const gainDb = Number(values.gain)
    if (values.gain.trim() === '' || !(gainDb >= LISTENING_GAIN_MIN_DB && gainDb <= LISTENING_GAIN_MAX_DB))
      throw new CliUsageError(`--gain must be between ${LISTENING_GAIN_MIN_DB} and ${LISTENING_GAIN_MAX_DB} dB, got '${values.gain}'`)

    const { samples, sampleRateHz } = readWavMono(wavPath)
    const rendered = renderPlayback(samples, sampleRateHz, { speed, filter, gainDb })
    const describe =
      `${wavPath}: ${(samples.length / sampleRateHz).toFixed(2)} s at ${sampleRateHz} Hz, ${speed}x, filter ` +
      `${filter}, gain ${gainDb} dB → ${(rendered.length / sampleRateHz).toFixed(2)} s`
    if (values.out !== undefined) {
      writeWavFile(values.out, [rendered], sampleRateHz, 'pcm16')
      process.stdout.write(`${describe}\nwrote ${values.out}\n`)
      return 0
    }
    const output = openAudioOutput({ sampleRateHz, device: values.device, latencyMs: 100 })
    await output.ready()
    process.stdout.write(`${describe}\nplaying on ${output.description} (Ctrl-C stops)\n`)
    const stop = (): void => output.abort()
    process.once('SIGINT', stop)
    try {
      output.write(rendered)
      await output.end()
    } finally {
      process.off('SIGINT', stop)
    }
    return 0
  },
})
