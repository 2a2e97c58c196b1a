/**
 * HAProxy's traffic counters and what changed between two readings (pure).
 *
 * A reading is one `show info;show stat` on the stats socket: the worker's pid (from `show info`)
 * and every proxy and server row. Counters belong to a worker and start at zero in it, so a reload
 * (a new worker) or a restart resets them all, and a server deleted and added again (a target
 * re-registered) resets its own. Deltas are therefore taken per row and counter:
 *
 *   no previous reading of the row, or another worker  → the counter as read (it counted from zero)
 *   counter went down                                  → the counter as read (reset since, counted from zero)
 *   otherwise                                          → current − previous
 *
 * The one thing a delta cannot see is what the old worker counted between the last reading and a
 * reload; the load-balancer role reads just before every change it makes, which leaves only the
 * requests the old worker answers on its idle keep-alive connections afterwards uncounted.
 */
import { parseTable } from './haproxy-socket.js';

/** The cumulative `show stat` columns whose deltas are reported. */
export const COUNTERS = ['req_tot', 'intercepted', 'conn_tot', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx'] as const;
export type Counter = (typeof COUNTERS)[number];
export type CounterValues = Record<Counter, number>;

export interface CounterSnapshot {
  /** The worker whose counters these are ('' when unknown). */
  readonly worker: string;
  readonly at: number;
  /** `show stat` rows by `pxname/svname`, as text. */
  readonly rows: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The command whose answer `parseCounters` reads (two commands, one connection, one moment). */
export const COUNTERS_COMMAND = 'show info;show stat';

/** Nothing counted yet: the first reading of a worker the agent itself started counts all of it. */
export const emptySnapshot = (at: number): CounterSnapshot => ({ worker: '', at, rows: new Map() });

export function parseCounters(text: string, at: number): CounterSnapshot {
  const worker = /^Pid: (\d+)$/m.exec(text)?.[1] ?? '';
  const rows = new Map<string, Record<string, string>>();
  for (const r of parseTable(text, ',')) if (r.pxname && r.svname) rows.set(rowKey(r.pxname, r.svname), r);
  return { worker, at, rows };
}

export const rowKey = (pxname: string, svname: string): string => `${pxname}/${svname}`;

/** A column as a number (HAProxy leaves counters a row type lacks empty: 0). */
export function numberOf(row: Readonly<Record<string, string>> | undefined, column: string): number {
  const n = Number(row?.[column] ?? '');
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Each row of `cur` with its counters' deltas since `prev`. */
export function counterDeltas(prev: CounterSnapshot, cur: CounterSnapshot): Map<string, CounterValues> {
  const newWorker = prev.worker !== '' && cur.worker !== '' && prev.worker !== cur.worker;
  const out = new Map<string, CounterValues>();
  for (const [key, row] of cur.rows) {
    const before = newWorker ? undefined : prev.rows.get(key);
    const d = {} as CounterValues;
    for (const c of COUNTERS) {
      const now = numberOf(row, c);
      const then = before ? numberOf(before, c) : 0;
      d[c] = now >= then ? now - then : now;
    }
    out.set(key, d);
  }
  return out;
}
