/** A progress bar on stderr: redrawn in place on a terminal, a line every 10 % when piped to a log. */
export class ProgressBar {
  private lastTenth = -1
  private lastDrawMs = 0

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, detail = ''): void {
    const share = total > 0 ? done / total : 1
    if (this.stream.isTTY) {
      const now = Date.now()
      if (done < total && now - this.lastDrawMs < 100) return
      this.lastDrawMs = now
      const width = 30
      const filled = Math.round(share * width)
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${detail}`.padEnd(100).slice(0, 100),
      )
      if (done >= total) this.stream.write('\n')
      return
    }
    const tenth = Math.floor(share * 10)
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth
      this.stream.write(`${this.label}: ${done}/${total} (${Math.round(share * 100)} %)\n`)
    }
  }
}
