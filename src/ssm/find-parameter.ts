/** Finding the version a parameter reference (`name`, `name:version`, ARN) points at. */
import type { ParameterVersionRecord } from '../store/secret-records.js';
import type { Repos } from '../store/store.js';
import { parseParameterRef } from './parameter-names.js';

export type Lookup =
  | { readonly found: ParameterVersionRecord; readonly selector?: string }
  | { readonly missing: 'parameter' }
  | { readonly missing: 'version'; readonly name: string; readonly selector: string };

export async function findParameter(repos: Repos, raw: string): Promise<Lookup> {
  const ref = parseParameterRef(raw);
  for (const name of ref.names) {
    const current = await repos.parameters.current(name);
    if (!current) continue;
    if (ref.selector === undefined) return { found: current };
    // Labels (LabelParameterVersion) are not served, so a selector that is not a number finds nothing.
    if (!/^\d{1,18}$/.test(ref.selector)) return { missing: 'parameter' };
    const version = await repos.parameters.version(name, Number(ref.selector));
    return version ? { found: version, selector: ref.selector } : { missing: 'version', name, selector: ref.selector };
  }
  return { missing: 'parameter' };
}
