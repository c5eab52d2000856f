/** Progress of a --wait: a spinner with the stage and the elapsed time on a terminal, one line per change otherwise. */
export class Progress {
  private readonly started = Date.now();
  private stage = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly what: string,
    private readonly options: { quiet?: boolean } = {},
  ) {
    this.tty = Boolean(stream.isTTY) && !options.quiet;
    if (this.tty) this.timer = setInterval(() => this.draw(), 100);
  }

  update(stage: string): void {
    if (stage === this.stage) return;
    this.stage = stage;
    if (this.options.quiet) return;
    if (this.tty) this.draw();
    else this.stream.write(`${this.elapsed()}  ${this.what}: ${stage}\n`);
  }

  done(ok: boolean): void {
    this.stopTimer();
    if (this.tty)
      this.stream.write(`\r\x1b[2K${ok ? '✔' : '✖'} ${this.what}: ${this.stage} in ${this.elapsed()}\n`);
  }

  stop(): void {
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private draw(): void {
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    this.frame = (this.frame + 1) % frames.length;
    this.stream.write(`\r\x1b[2K${frames[this.frame]} ${this.what}: ${this.stage} ${this.elapsed()}`);
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }
}
