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
