/**
 * Command lines of the pier commands: positionals, `--flag value`, `--flag=value`, boolean flags,
 * repeatable ones (`--env A=1 --env B=2`), one-letter aliases (`-f`) and `--` after which
 * everything is left as it is (a command to run). Unknown flags are errors.
 */
export class UsageError extends Error {}

export interface FlagSpec { readonly [name: string]: 'string' | 'number' | 'boolean' }

/** Flags only, no positionals. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): Record<string, string | number | boolean> {
  return parseCommandLine(argv, { flags: spec }).flags as Record<string, string | number | boolean>;
}

export type FlagKind = 'string' | 'number' | 'boolean' | 'list';
export interface CommandSpec {
  readonly flags: Readonly<Record<string, FlagKind>>;
  readonly aliases?: Readonly<Record<string, string>>;
  /** Names of the positionals, in order; a trailing `...` name takes the rest. */
  readonly positionals?: readonly string[];
  /** How many positionals must be given. */
  readonly required?: number;
}

export interface CommandLine {
  readonly flags: Record<string, string | number | boolean | string[]>;
  readonly positionals: string[];
  /** What came after `--`. */
  readonly rest: string[];
}

export function parseCommandLine(argv: readonly string[], spec: CommandSpec): CommandLine {
  const flags: CommandLine['flags'] = {};
  const positionals: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const given = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1, eq < 0 ? undefined : eq);
    const name = arg.startsWith('--') ? given : spec.aliases?.[given];
    const kind = name === undefined ? undefined : spec.flags[name];
    if (!name || !kind) throw new UsageError(`unknown flag ${arg.startsWith('--') ? '--' : '-'}${given}`);
    if (kind === 'boolean') {
      flags[name] = eq < 0 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
      flags[name] = n;
    } else if (kind === 'list') {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else {
      flags[name] = value;
    }
  }
  const names = spec.positionals ?? [];
  const variadic = names.at(-1)?.endsWith('...') ?? false;
  if (positionals.length < (spec.required ?? 0)) {
    throw new UsageError(`missing ${names.slice(positionals.length, spec.required).map((n) => n.replace('...', '')).join(' and ')}`);
  }
  if (!variadic && positionals.length > names.length) throw new UsageError(`unexpected argument '${positionals[names.length]}'`);
  return { flags, positionals, rest };
}

/** `K=V` items (`--env`, `--tag`) as pairs; a missing `=` is a usage error naming the flag. */
export function keyValues(items: readonly string[] | undefined, flag: string): { name: string; value: string }[] {
  return (items ?? []).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} takes NAME=VALUE, got '${item}'`);
    return { name: item.slice(0, eq), value: item.slice(eq + 1) };
  });
}
