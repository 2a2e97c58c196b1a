/** `pier costs`: what tasks have cost (src/metering/), from the server's `/_pier/costs` route. */
import { GROUP_BY, type CostReport } from '../metering/report.js';
import { readServerInfo } from '../platform/data-dir.js';
import { defaultDataDir } from '../platform/options.js';
import { adminCall, errorMessage } from './admin-call.js';
import { parseFlags, UsageError } from './args.js';
import { renderCostReport } from './costs-table.js';
import { terminalOutput } from './people/terminal.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since 7d` (that long before `nowMs`) or an ISO 8601 time, as an ISO string. */
export function parseWhen(flag: string, value: string, nowMs: number): string {
  const d = /^(\d+)([smhdw])$/.exec(value);
  if (d) return new Date(nowMs - Number(d[1]) * UNIT_MS[d[2]!]!).toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--${flag} must be a duration before now (90s, 30m, 12h, 7d, 2w) or an ISO 8601 time (2026-12-01 or 2026-12-01T08:00:00Z); got '${value}'`);
  }
  return new Date(ms).toISOString();
}

export async function costs(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { 'data-dir': 'string', by: 'string', since: 'string', until: 'string', json: 'boolean' });
  const by = (f.by as string | undefined) ?? 'service';
  if (!(GROUP_BY as readonly string[]).includes(by)) throw new UsageError(`--by must be one of ${GROUP_BY.join(', ')}; got '${by}'`);
  const now = Date.now();
  const body = {
    by,
    ...(f.since !== undefined ? { since: parseWhen('since', String(f.since), now) } : {}),
    ...(f.until !== undefined ? { until: parseWhen('until', String(f.until), now) } : {}),
  };
  if (body.since && body.until && body.until <= body.since) throw new UsageError(`--until (${body.until}) must be later than --since (${body.since})`);
  const dir = (f['data-dir'] as string | undefined) ?? defaultDataDir(process.env);
  if (!readServerInfo(dir)) throw new Error(`no Pier server has run with data dir ${dir}: start one with 'pier up --data-dir ${dir}', or give the running one's --data-dir`);
  let answer;
  try {
    answer = await adminCall(dir, '/_pier/costs', body);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') throw new Error('cannot reach the Pier server: is `pier up` running for this data dir (--data-dir)?');
    throw err;
  }
  if (answer.status !== 200) throw new Error(`costs failed (${answer.status}): ${errorMessage(answer.text)}`);
  const report = JSON.parse(answer.text) as CostReport;
  const out = terminalOutput(Boolean(f.json));
  if (out.json) out.printJson(report);
  else out.print(renderCostReport(report, out.colour));
}
