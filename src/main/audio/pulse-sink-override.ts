/**
 * PULSE_SINK for the stream being opened. The addon opens on its own thread after the
 * constructor returns, so the variable must stay set until the stream has left 'opening', and
 * is then put back as it was before any override (the user's own PULSE_SINK, or none). One
 * override at a time: a newer one takes over, and only the newest puts the variable back.
 */
let pulseSinkBaseline: { value: string | undefined; owner: symbol } | null = null

export function overridePulseSink(sink: string | undefined): (() => void) | null {
  // While an override is pending, the variable holds its sink, not what it was before.
  const baseline = pulseSinkBaseline ? pulseSinkBaseline.value : process.env.PULSE_SINK
  const restore = (): void => {
    if (baseline === undefined) delete process.env.PULSE_SINK
    else process.env.PULSE_SINK = baseline
  }
  if (sink === undefined) {
    // The default sink: drop a pending override from an earlier stream.
    if (pulseSinkBaseline) restore()
    pulseSinkBaseline = null
    return null
  }
  const owner = Symbol('PULSE_SINK override')
  pulseSinkBaseline = { value: baseline, owner }
  process.env.PULSE_SINK = sink
  return () => {
    if (pulseSinkBaseline?.owner !== owner) return
    restore()
    pulseSinkBaseline = null
  }
}
