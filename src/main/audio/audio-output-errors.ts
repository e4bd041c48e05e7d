/** Why audio cannot be heard: shared by audio-output (the streams) and output-device-choice (which device). */
import { AuscultaError } from '../../core/errors'

export class NoAudioOutputError extends AuscultaError {}
/** The output device vanished while playing (unplugged headset, sink removed, audio server gone). */
export class AudioOutputLostError extends NoAudioOutputError {}
/** The chosen PortAudio output is not there when it is opened (unplugged, renamed, another machine's settings). */
export class PortAudioOutputNotFoundError extends NoAudioOutputError {}
