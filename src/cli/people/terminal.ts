/**
 * Output for people: aligned tables and a little colour when stdout is a terminal (never with
 * NO_COLOR or --json), JSON otherwise asked for, progress lines on stderr so stdout stays clean
 * for pipes.
 */
export interface Output {
  readonly json: boolean;
  readonly colour: boolean;
  print(text: string): void;
  printJson(value: unknown): void;
  /** A line about work in progress (stderr; only on a terminal unless `always`). */
  progress(text: string, always?: boolean): void;
}

export function terminalOutput(json: boolean, stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const colour = !json && stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    json, colour,
    print: (text) => void stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    printJson: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress: (text, always = false) => {
      if (!json && (always || stderr.isTTY)) stderr.write(`${text}\n`);
    },
  };
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
export type Style = keyof typeof CODES;

export const paint = (on: boolean, style: Style, s: string): string => (on && s ? `\x1b[${CODES[style]}m${s}\x1b[0m` : s);

/** The colour of an ECS status word: running and healthy green, on the way yellow, failed red, stopped dim. */
export function statusStyle(status: string | undefined): Style | undefined {
  switch (status) {
    case 'RUNNING': case 'HEALTHY': case 'ACTIVE': case 'COMPLETED': return 'green';
    case 'PROVISIONING': case 'PENDING': case 'ACTIVATING': case 'IN_PROGRESS': case 'DRAINING': case 'DEACTIVATING': case 'STOPPING': case 'DEPROVISIONING': return 'yellow';
    case 'UNHEALTHY': case 'FAILED': return 'red';
    case 'STOPPED': case 'INACTIVE': return 'dim';
    default: return undefined;
  }
}

export interface Cell { readonly text: string; readonly style?: Style | undefined }
export interface TableColumn { readonly title: string; readonly right?: boolean }

/** Columns two spaces apart, padded by their visible width, styles applied after padding. */
export function table(columns: readonly TableColumn[], rows: readonly (readonly (Cell | string)[])[], colour: boolean): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths = columns.map((col, i) => Math.max(col.title.length, ...cells.map((r) => r[i]?.text.length ?? 0)));
  const line = (r: readonly Cell[]): string => columns.map((col, i) => {
    const c = r[i] ?? { text: '' };
    const padded = col.right ? c.text.padStart(widths[i]!) : c.text.padEnd(widths[i]!);
    return c.style ? paint(colour, c.style, padded) : padded;
  }).join('  ').trimEnd();
  return [line(columns.map((c) => ({ text: c.title, style: 'bold' as const }))), ...cells.map(line)].join('\n');
}

/** "12s ago", "5m ago", "3h ago", "2d ago". */
export function ago(fromMs: number, nowMs = Date.now()): string {
  const s = Math.max(0, Math.round((nowMs - fromMs) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
