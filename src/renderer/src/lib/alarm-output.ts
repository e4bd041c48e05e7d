/**
 * Which of the page's audio outputs is the listening output chosen in the app (Electron): the
 * main process names outputs by their PulseAudio description, which is also the label Chromium
 * gives the same device. Best effort: where the labels are hidden (no media permission) or no
 * label matches, the alarm plays on the system's default output.
 */
export interface MediaOutput {
  deviceId: string
  label: string
  kind: string
}

/** The sink id for `outputName` (null: the default output). */
export function sinkIdForOutput(devices: readonly MediaOutput[], outputName: string | null): string | null {
  if (!outputName) return null
  const outputs = devices.filter((d) => d.kind === 'audiooutput' && d.label !== '' && d.deviceId !== 'default')
  const exact = outputs.find((d) => d.label === outputName)
  if (exact) return exact.deviceId
  const wanted = outputName.trim().toLowerCase()
  return outputs.find((d) => d.label.trim().toLowerCase() === wanted)?.deviceId ?? null
}
