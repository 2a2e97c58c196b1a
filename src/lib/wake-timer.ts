/**
 * A sleep that can be cut short: `sleep(ms)` resolves after `ms`, or at once when `wake()` is
 * called meanwhile. A wake with nobody sleeping is remembered: the next sleep returns at once.
 */
export class WakeTimer {
  private wakeUp: (() => void) | undefined;
  private pending = false;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}
