/** `pier costs` on a terminal: aligned columns, numbers right-aligned, a totals row. */
import type { CostReport, Figures, GroupLine, TaskLine } from '../metering/report.js';

type Align = 'left' | 'right';
interface Column { readonly title: string; readonly align: Align }

export function renderTable(columns: readonly Column[], rows: readonly string[][], footer: readonly string[], bold: boolean): string {
  const all = [columns.map((c) => c.title), ...rows, footer];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => columns
    .map((c, i) => (c.align === 'right' ? (r[i] ?? '').padStart(widths[i]!) : (r[i] ?? '').padEnd(widths[i]!)))
    .join('  ').trimEnd();
  const strong = (s: string): string => (bold ? `\x1b[1m${s}\x1b[0m` : s);
  return [strong(line(all[0]!)), ...rows.map(line), strong(line(footer))].join('\n');
}

/** Resource-seconds with at most three decimals, grouped by thousands. */
const qty = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 3 });
const usd = (f: Figures): string => `$${f.cost}`;
const shortArn = (arn: string): string => arn.slice(arn.indexOf(':task/') + 6);

const GROUP_TITLES: Record<string, string> = { service: 'SERVICE', family: 'FAMILY', cluster: 'CLUSTER' };
const FIGURE_COLUMNS: Column[] = [
  { title: 'vCPU-SECONDS', align: 'right' }, { title: 'GB-SECONDS', align: 'right' },
  { title: 'STORAGE GB-SECONDS', align: 'right' }, { title: 'COST', align: 'right' },
];
const figureCells = (f: Figures): string[] => [qty(f.vcpuSeconds), qty(f.gbSeconds), qty(f.ephemeralStorageGbSeconds), usd(f)];

function groupTable(r: CostReport, bold: boolean): string {
  const columns: Column[] = [{ title: GROUP_TITLES[r.by]!, align: 'left' }, { title: 'TASKS', align: 'right' }, ...FIGURE_COLUMNS];
  const rows = r.groups.map((g: GroupLine) => [g.key, String(g.tasks), ...figureCells(g)]);
  return renderTable(columns, rows, ['TOTAL', String(r.total.tasks), ...figureCells(r.total)], bold);
}

function taskTable(r: CostReport, bold: boolean): string {
  const columns: Column[] = [
    { title: 'TASK', align: 'left' }, { title: 'FAMILY', align: 'left' }, { title: 'CAPACITY', align: 'left' },
    { title: 'vCPU', align: 'right' }, { title: 'MEMORY', align: 'right' }, { title: 'STORAGE', align: 'right' },
    { title: 'SECONDS', align: 'right' }, ...FIGURE_COLUMNS.slice(-1),
  ];
  const rows = r.tasks.map((t: TaskLine) => [
    shortArn(t.taskArn), t.family, t.capacityProvider + (t.stoppedAt === null ? ' (running)' : ''),
    String(t.cpu / 1024), `${t.memoryMiB / 1024} GB`, `${t.ephemeralStorageGiB} GiB`, qty(t.billedSeconds), usd(t),
  ]);
  return renderTable(columns, rows, [`TOTAL (${r.total.tasks} tasks)`, '', '', '', '', '', qty(r.total.billedSeconds), usd(r.total)], bold);
}

export function renderCostReport(r: CostReport, bold: boolean): string {
  const span = `${r.since ?? 'the oldest task Pier still holds'} to ${r.until ?? `now (${r.at})`}`;
  const head = `Costs from ${span}, in ${r.currency} at the configured Fargate prices.`;
  if (r.total.tasks === 0) return `${head}\nNo task was charged in that time.\n`;
  return `${head}\n\n${r.by === 'task' ? taskTable(r, bold) : groupTable(r, bold)}\n`;
}
