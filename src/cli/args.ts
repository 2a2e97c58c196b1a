/** A small GNU-style flag parser: --name value, --name=value, --flag; unknown flags are errors. */
export class UsageError extends Error {}

export interface FlagSpec { readonly [name: string]: 'string' | 'number' | 'boolean' }

export function parseFlags(argv: readonly string[], spec: FlagSpec): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag --${name}`);
    if (kind === 'boolean') {
      out[name] = eq < 0 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out;
}
