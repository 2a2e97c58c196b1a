/**
 * In-process wake-ups for agents long-polling GET /agent/v1/hosts/{id}/tasks. A write that changes
 * a host's tasks signals the host after it commits; a waiting poll returns at once. With several
 * servers on PostgreSQL this becomes LISTEN/NOTIFY; the poll's timeout keeps it correct meanwhile.
 */
export class HostSignals {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when the host is signalled, the timeout passes or the signal aborts. */
  wait(hostId: string, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(hostId) ?? new Set<() => void>();
      this.waiters.set(hostId, set);
      const done = (): void => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(hostId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      abort?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Wakes every waiting host (a change any host's tasks may depend on, e.g. security groups). */
  signalAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }

  signal(hostId: string | undefined): void {
    if (!hostId) return;
    for (const wake of [...(this.waiters.get(hostId) ?? [])]) wake();
  }
}
