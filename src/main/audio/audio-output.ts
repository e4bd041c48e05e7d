/**
 * Where processed audio goes to be heard: the PortAudio addon's output stream
 * (native/src/output-stream.cc, played by addon-output.ts) when the built addon has one, else
 * PulseAudio's `pacat` (pacat-output.ts; every Linux desktop with PulseAudio or PipeWire-pulse
 * has it). Without either, a clear error says so.
 *
 * Two ways to choose the device: a PortAudio output (`portAudioDevice`: any platform, resolved
 * against the addon's list when the stream opens), or a PulseAudio sink name (`device`: Linux
 * desktops, played through PortAudio's ALSA `pulse` device with PULSE_SINK set while it opens).
 */
import { loadAudioAddon } from '../devices/audio-addon'
import { AddonOutput } from './addon-output'
import { AudioOutputLostError, NoAudioOutputError, PortAudioOutputNotFoundError } from './audio-output-errors'
import type { AudioOutput, AudioOutputOptions, AudioOutputStats } from './audio-output-types'
import type { NativeOutputDevice, NativeOutputOptions, NativeOutputStream, OutputBinding } from './native-output-stream'
import { resolvePortAudioOutput, type PortAudioDeviceChoice } from './output-device-choice'
import { PacatOutput, pulseReachable } from './pacat-output'

export { AudioOutputLostError, NoAudioOutputError, PortAudioOutputNotFoundError, type PortAudioDeviceChoice }
export type { AudioOutput, AudioOutputOptions, AudioOutputStats, NativeOutputDevice, NativeOutputOptions, NativeOutputStream }

/**
 * An output on `portAudioDevice` and/or the sink `device` (or the default), or NoAudioOutputError
 * naming what is missing (PortAudioOutputNotFoundError for a chosen PortAudio device that is gone).
 */
export function openAudioOutput(options: AudioOutputOptions, env: NodeJS.ProcessEnv = process.env): AudioOutput {
  if (!(options.sampleRateHz > 0)) throw new NoAudioOutputError(`sampleRateHz: must be > 0, got ${options.sampleRateHz}`)
  const choice = options.portAudioDevice
  if (choice !== undefined && options.backend === 'pacat')
    throw new NoAudioOutputError('a PortAudio output device was chosen, but the pacat back end plays only on PulseAudio sinks')
  if (options.backend !== 'pacat') {
    const binding = loadAudioAddon() as OutputBinding | Error
    if (!(binding instanceof Error) && binding.OutputStream && binding.listOutputDevices) {
      const devices = binding.listOutputDevices()
      // A chosen device plays there or nowhere: falling back to another would surprise the user.
      if (choice !== undefined) return new AddonOutput(binding, resolvePortAudioOutput(devices, choice), options)
      const device = devices.find((d) => d.name === 'pulse') ?? devices.find((d) => d.isDefaultOutput)
      if (device) return new AddonOutput(binding, device, options)
    }
    if (choice !== undefined) {
      const why =
        binding instanceof Error
          ? `the audio addon is not available (${binding.message})`
          : 'this build of the audio addon has no output streams'
      throw new NoAudioOutputError(`cannot open PortAudio output ${JSON.stringify(choice)}: ${why}`)
    }
    if (options.backend === 'addon')
      throw new NoAudioOutputError('no audio output device: the PortAudio addon has no output stream or no output device')
  }
  if (!pulseReachable(env)) {
    throw new NoAudioOutputError(
      'no audio output device: the PortAudio addon offers none and no PulseAudio server answers (pactl info failed); ' +
        'use --out <file.wav> to write the processed sound instead',
    )
  }
  return new PacatOutput(options, env)
}
