/**
 * A periodic loop: runs `pass` every `intervalMs`, never two at once (a tick while one runs is
 * skipped), until `signal` aborts; settles once the last pass has ended. `pass` handles its own
 * errors.
 */
export function every(intervalMs: number, signal: AbortSignal, pass: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let running: Promise<void> | undefined;
    const tick = (): void => {
      if (running) return;
      running = pass().finally(() => (running = undefined));
    };
    const timer = setInterval(tick, intervalMs);
    signal.addEventListener('abort', () => {
      clearInterval(timer);
      void (running ?? Promise.resolve()).then(() => resolve());
    }, { once: true });
  });
}
