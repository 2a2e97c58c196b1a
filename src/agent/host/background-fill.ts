/**
 * Work kept off a launch's critical path (making spares): `fill` runs in the background, one run
 * at a time, `delayMs` after it was asked for (past the launch that asked, whose sandbox boot is
 * CPU-bound too), or at once when urgent. Its timer never keeps the process alive.
 */
export class BackgroundFill {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `fill` makes what is missing; its errors are dropped (the next run tries again). */
  constructor(private readonly fill: () => Promise<void>, private readonly delayMs: number) {}

  /** Runs `fill` after `delayMs`, or now when `urgent` (unless stopped). */
  schedule(urgent = false): void {
    if (this.stopped) return;
    if (urgent) return this.runNow();
    if (this.timer) return;
    this.timer = setTimeout(() => this.runNow(), this.delayMs);
    this.timer.unref();
  }

  /** Runs what is due now and resolves when no run is in progress. */
  async settled(): Promise<void> {
    if (this.timer) this.runNow();
    while (this.running) await this.running;
  }

  /** Runs no more; resolves when the run in progress is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
  }

  private runNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.stopped) return;
    this.running = this.fill().catch(() => undefined).finally(() => {
      this.running = undefined;
    });
  }
}
