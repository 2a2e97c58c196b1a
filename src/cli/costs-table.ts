/** `pier costs` on a terminal: the report as a table of groups (or tasks) with a totals row. */
import type { CostReport, Figures, GroupLine, TaskLine } from '../metering/report.js';
import { table, type Cell, type TableColumn } from './people/terminal.js';

/** Resource-seconds with at most three decimals, grouped by thousands. */
const qty = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 3 });
const usd = (f: Figures): string => `$${f.cost}`;
const shortArn = (arn: string): string => arn.slice(arn.indexOf(':task/') + 6);
const bold = (row: readonly string[]): Cell[] => row.map((text) => ({ text, style: 'bold' as const }));

const GROUP_TITLES: Record<string, string> = { service: 'SERVICE', family: 'FAMILY', cluster: 'CLUSTER' };
const FIGURE_COLUMNS: TableColumn[] = [
  { title: 'vCPU-SECONDS', right: true }, { title: 'GB-SECONDS', right: true },
  { title: 'STORAGE GB-SECONDS', right: true }, { title: 'COST', right: true },
];
const figureCells = (f: Figures): string[] => [qty(f.vcpuSeconds), qty(f.gbSeconds), qty(f.ephemeralStorageGbSeconds), usd(f)];

function groupTable(r: CostReport, colour: boolean): string {
  const columns: TableColumn[] = [{ title: GROUP_TITLES[r.by]! }, { title: 'TASKS', right: true }, ...FIGURE_COLUMNS];
  const rows = r.groups.map((g: GroupLine) => [g.key, String(g.tasks), ...figureCells(g)]);
  return table(columns, [...rows, bold(['TOTAL', String(r.total.tasks), ...figureCells(r.total)])], colour);
}

function taskTable(r: CostReport, colour: boolean): string {
  const columns: TableColumn[] = [
    { title: 'TASK' }, { title: 'FAMILY' }, { title: 'CAPACITY' }, { title: 'vCPU', right: true }, { title: 'MEMORY', right: true },
    { title: 'STORAGE', right: true }, { title: 'SECONDS', right: true }, { title: 'COST', right: true },
  ];
  const rows = r.tasks.map((t: TaskLine) => [
    shortArn(t.taskArn), t.family, t.capacityProvider + (t.stoppedAt === null ? ' (running)' : ''),
    String(t.cpu / 1024), `${t.memoryMiB / 1024} GB`, `${t.ephemeralStorageGiB} GiB`, qty(t.billedSeconds), usd(t),
  ]);
  return table(columns, [...rows, bold([`TOTAL (${r.total.tasks} tasks)`, '', '', '', '', '', qty(r.total.billedSeconds), usd(r.total)])], colour);
}

export function renderCostReport(r: CostReport, colour: boolean): string {
  const span = `${r.since ?? 'the oldest task Pier still holds'} to ${r.until ?? `now (${r.at})`}`;
  const head = `Costs from ${span}, in ${r.currency} at the configured Fargate prices.`;
  if (r.total.tasks === 0) return `${head}\nNo task was charged in that time.\n`;
  return `${head}\n\n${r.by === 'task' ? taskTable(r, colour) : groupTable(r, colour)}\n`;
}
