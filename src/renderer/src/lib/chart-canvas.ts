/** The charts' common first step: size the canvas to device pixels and paint the chart background. */
export const CHART_BACKGROUND = '#05080c'

export interface PreparedCanvas {
  context: CanvasRenderingContext2D
  width: number
  height: number
  /** Device pixels per CSS pixel: multiply CSS sizes (fonts, margins) by it. */
  dpr: number
}

export function prepareChartCanvas(canvas: HTMLCanvasElement): PreparedCanvas | null {
  const context = canvas.getContext('2d')
  if (!context) return null
  const dpr = window.devicePixelRatio || 1
  canvas.width = Math.round(canvas.clientWidth * dpr)
  canvas.height = Math.round(canvas.clientHeight * dpr)
  const { width, height } = canvas
  context.fillStyle = CHART_BACKGROUND
  context.fillRect(0, 0, width, height)
  return { context, width, height, dpr }
}

export interface ValueChart extends PreparedCanvas {
  /** Where the plot starts, right of the y labels (device pixels). */
  left: number
  /** y (device pixels) of a value: min at the bottom, max at the top, 4 CSS px inside both edges. */
  yOf: (value: number) => number
}

/**
 * The live charts' first step: the prepared canvas with a y axis from min to max and its grid,
 * a line from the labels to the right edge at each tick, its value written at the left.
 */
export function prepareValueChart(canvas: HTMLCanvasElement, min: number, max: number, ticks: readonly number[]): ValueChart | null {
  const prepared = prepareChartCanvas(canvas)
  if (!prepared) return null
  const { context, width, height, dpr } = prepared
  const left = 40 * dpr
  const yOf = (value: number): number => height - ((value - min) / (max - min)) * (height - 8 * dpr) - 4 * dpr
  context.font = `${11 * dpr}px system-ui, sans-serif`
  context.fillStyle = '#8fa1b3'
  context.strokeStyle = '#1a2633'
  context.lineWidth = dpr
  for (const tick of ticks) {
    context.beginPath()
    context.moveTo(left, yOf(tick))
    context.lineTo(width, yOf(tick))
    context.stroke()
    context.fillText(String(tick), 4 * dpr, yOf(tick) + 4 * dpr)
  }
  return { ...prepared, left, yOf }
}

/**
 * The session views' first step: size the canvas to `size` (device pixels, measured by the view) and
 * paint the background. Null while the view has no size or no 2-D context.
 */
export function prepareSizedCanvas(
  canvas: HTMLCanvasElement,
  size: { readonly width: number; readonly height: number },
): CanvasRenderingContext2D | null {
  const { width, height } = size
  if (width === 0 || height === 0) return null
  if (canvas.width !== width) canvas.width = width
  if (canvas.height !== height) canvas.height = height
  const context = canvas.getContext('2d')
  if (!context) return null
  context.fillStyle = CHART_BACKGROUND
  context.fillRect(0, 0, width, height)
  return context
}
