/**
 * Mono from several channels: the mean of the channels, frame by frame (keeps [-1, 1]). The one
 * downmix of the project, for planar audio (decoded WAV files) and for interleaved device buffers.
 */

/** Planar channels (one array per channel, as decodeWav gives them) mixed to mono. */
export function downmixToMono(audio: { readonly channelData: readonly Float32Array[]; readonly frames: number }): Float32Array {
  const mono = new Float32Array(audio.frames)
  const channels = audio.channelData.length
  if (channels === 0) return mono
  for (const data of audio.channelData) for (let i = 0; i < audio.frames; i++) mono[i]! += data[i]!
  if (channels > 1) for (let i = 0; i < audio.frames; i++) mono[i]! /= channels
  return mono
}

/** Interleaved frames (L R L R …, as audio devices and serial frames deliver them) mixed to mono; mono input is returned as is. */
export function downmixInterleavedToMono(interleaved: Float32Array, channels: number): Float32Array {
  if (channels === 1) return interleaved
  const frames = Math.floor(interleaved.length / channels)
  const mono = new Float32Array(frames)
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0
    for (let c = 0; c < channels; c++) sum += interleaved[i++]!
    mono[f] = sum / channels
  }
  return mono
}
