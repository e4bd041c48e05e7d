/** Sound-card inputs through the PortAudio addon, rescanned on a worker thread with a time bound. */
import type { AudioBackendUnavailableError, AudioBinding, NativeInputDevice } from './audio-addon'
import { AudioDeviceSource, audioSourceId } from './audio-device-source'
import type { ScannedSource } from './device-scanners'
import { SourceUnavailableError } from './registry-errors'

/**
 * The inputs PortAudio sees now. `inFlight` holds a scan still running: never start a second
 * (each would park a libuv worker thread). Without the addon, one 'unavailable' entry says why.
 */
export async function scanAudioInputs(
  audio: AudioBinding | AudioBackendUnavailableError,
  inFlight: { scan: Promise<unknown> | undefined },
  sampleRateHz: number | undefined,
): Promise<ScannedSource[]> {
  if (audio instanceof Error) {
    const label = soundCardsUnavailableLabel()
    return [{ descriptor: { id: 'audio:unavailable', kind: 'audio', label, status: 'unavailable', detail: audio.message } }]
  }
  // rescan finds hot-plugged devices; while a stream is open it cannot, and the old list stands
  if (inFlight.scan)
    throw new SourceUnavailableError('audio devices: the previous device scan has not finished (audio server not answering)')
  const scan = audio.rescanInputDevicesAsync()
  inFlight.scan = scan
  void scan.then(
    () => (inFlight.scan = undefined),
    () => (inFlight.scan = undefined),
  )
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SourceUnavailableError('audio devices: device scan took over 5 s (audio server not answering)')),
      5000,
    )
  })
  const devices = (await Promise.race([scan, timeout]).finally(() => clearTimeout(timer))) ?? audio.listInputDevices()
  return devices.map((device: NativeInputDevice) => {
    const id = audioSourceId(device)
    return {
      descriptor: {
        id,
        kind: 'audio' as const,
        label: `${device.name} (${device.hostApi})${device.isDefaultInput ? ' — default' : ''}`,
        status: 'available' as const,
      },
      create: () => {
        // indices change on rescan: resolve the device by id at connect time
        const current = (audio.listInputDevices() as NativeInputDevice[]).find((d) => audioSourceId(d) === id)
        if (!current) throw new SourceUnavailableError(`${id}: device no longer present`)
        return new AudioDeviceSource(audio, current, { sampleRateHz: sampleRateHz ?? current.defaultSampleRateHz })
      },
    }
  })
}

/**
 * What the source picker shows for the sound cards when the PortAudio addon cannot load: the
 * entry is a disabled line in a drop-down, so it says why and what to do in a few words (the
 * entry's detail keeps the full reason). The package that provides the PortAudio library: Debian
 * and Ubuntu `libportaudio2`, Homebrew `portaudio`; Windows builds carry it inside the addon.
 */
export function soundCardsUnavailableLabel(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'Sound cards unavailable: install PortAudio (brew install portaudio)'
  if (platform === 'win32') return 'Sound cards unavailable: reinstall Ausculta (PortAudio addon missing)'
  return 'Sound cards unavailable: install PortAudio (libportaudio2)'
}
