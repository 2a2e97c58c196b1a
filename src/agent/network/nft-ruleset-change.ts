/**
 * The change from one loaded ruleset to the next as one `nft -f` transaction (pure): only the set
 * and map elements, the sets and the per-task chains that differ, so attaching a task costs the
 * same with 2 or 200 others and the kernel never holds half a change.
 *
 * Order inside the transaction: elements go first (a verdict map's element before the chain it
 * jumps to), then removed tasks' chains, then new sets, then new and changed chains (a changed one
 * is flushed and refilled), then new elements (a chain before the element that jumps to it), and
 * last the sets no rule names any more.
 *
 * It is only right when the kernel holds exactly `from`: the caller keeps what it loaded, and
 * reloads the whole ruleset (renderRuleset) when a change fails or when it cannot know.
 */
import { elementList, isMap, type Elements, type Ruleset } from './nft-ruleset.js';

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The script turning `from` into `to`; '' when they are the same, undefined when only a whole reload will do. */
export function renderRulesetChange(from: Ruleset, to: Ruleset): string | undefined {
  // The tables appear or go, or the hooked chains change (other endpoints): reload whole.
  if (from.table !== to.table || from.bridges.length === 0 || to.bridges.length === 0) return undefined;
  if (JSON.stringify(from.hooks) !== JSON.stringify(to.hooks)) return undefined;
  const t = to.table;
  const removeElements: string[] = [];
  const addElements: string[] = [];
  const elements = (family: 'inet' | 'bridge', name: string, a: Elements, b: Elements): void => {
    const gone = [...a].filter(([k, v]) => b.get(k) !== v).map(([k]) => k);
    const come: Elements = new Map([...b].filter(([k, v]) => a.get(k) !== v));
    if (gone.length) removeElements.push(`delete element ${family} ${t} ${name} { ${gone.join(', ')} }`);
    if (come.size) addElements.push(`add element ${family} ${t} ${name} { ${elementList(come)} }`);
  };

  const newSets: string[] = [];
  for (const [name, b] of to.inet) {
    const a = from.inet.get(name);
    if (a && a.type !== b.type) return undefined;
    if (!a) newSets.push(`add ${isMap(b.type) ? 'map' : 'set'} inet ${t} ${name} { type ${b.type}; }`);
    elements('inet', name, a?.elements ?? new Map(), b.elements);
  }
  const oldSets = [...from.inet].filter(([name]) => !to.inet.has(name)).map(([name, a]) => `delete ${isMap(a.type) ? 'map' : 'set'} inet ${t} ${name}`);
  elements('bridge', 'ports', from.bridgePorts, to.bridgePorts);

  const removedChains = [...from.tasks.keys()].filter((id) => !to.tasks.has(id))
    .flatMap((id) => [`delete chain inet ${t} out_${id}`, `delete chain inet ${t} in_${id}`, `delete chain bridge ${t} port_${id}`]);
  const chains: string[] = [];
  for (const [id, b] of to.tasks) {
    const a = from.tasks.get(id);
    for (const [family, name, key] of [['inet', `out_${id}`, 'egress'], ['inet', `in_${id}`, 'ingress'], ['bridge', `port_${id}`, 'port']] as const) {
      if (a && same(a[key], b[key])) continue;
      chains.push(`${a ? 'flush' : 'add'} chain ${family} ${t} ${name}`, ...b[key].map((r) => `add rule ${family} ${t} ${name} ${r}`));
    }
  }
  const script = [...removeElements, ...removedChains, ...newSets, ...chains, ...addElements, ...oldSets];
  return script.length ? `${script.join('\n')}\n` : '';
}
