/** The session views' time axis: which stretch of the recording is on screen, and where a time falls on the canvas. */

/** The stretch of a recording on screen: from `startS`, `durationS` seconds long. */
export interface TimeView {
  readonly startS: number
  readonly durationS: number
}

export interface TimeAxis {
  /** x (device pixels) of the time `t`: the view's start at 0, its end at the canvas width. */
  xOf: (t: number) => number
  /** Whether any of `from`…`to` (seconds) is in the view, the edges included. */
  visible: (from: number, to: number) => boolean
}

export function timeAxis(view: TimeView, width: number): TimeAxis {
  const { startS, durationS } = view
  return {
    xOf: (t) => ((t - startS) / durationS) * width,
    visible: (from, to) => to >= startS && from <= startS + durationS,
  }
}
