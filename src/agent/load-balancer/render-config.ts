/**
 * LoadBalancingAssignment → haproxy.cfg (pure). One frontend per listener, bound on the load
 * balancer's bindAddress:port; one backend per target group; one server per target, named
 * `ip:port` so runtime commands (`add server`, `set server … state drain`, `del server`) can
 * address it and health reports can map it back.
 *
 * Rules keep ELBv2's semantics in HAProxy's: in priority order, the first rule whose conditions
 * all match sets `txn.rule` to its index (the default action is index 0, set when none matched);
 * each action then keys on that variable. So a fixed response (an `http-request return`, which
 * HAProxy evaluates before any `use_backend`) never overrides a forward of a rule ahead of it.
 * A forward to several target groups draws `rand(total weight)` once and picks by cumulative
 * weight. Path patterns are case-sensitive and match the path without the query string; host
 * patterns are matched case-insensitively against the Host header without its port.
 *
 * Draining targets are rendered `disabled` (no new requests after a reload; the supervisor puts
 * them in state drain at run time), and left out once their deregistration delay has passed.
 * Server state (up/down, drain) survives reloads through the server-state file the supervisor
 * dumps before each reload.
 */
import { createHash } from 'node:crypto';
import type {
  HealthCheckConfig, ListenerAction, ListenerConfig, LoadBalancerConfig, LoadBalancingAssignment, RuleConfig, TargetConfig, TargetGroupConfig,
} from '../../protocol/load-balancing.js';

export interface RenderOptions {
  /** Stats (runtime API) socket: admin level, hands its listeners to new workers on reload. */
  statsSocket: string;
  /** Where `show servers state` is dumped before a reload, for the new worker to load. */
  serverStateFile: string;
  /** Now (epoch ms): draining targets whose delay has passed are left out. */
  nowMs: number;
}

export function renderHaproxyConfig(a: LoadBalancingAssignment, o: RenderOptions): string {
  const groups = new Map(a.targetGroups.map((tg) => [tg.targetGroupArn, tg]));
  const out: string[] = [
    '# Written by the Pier agent from the control plane\'s load-balancing assignment; do not edit.',
    `# cursor ${a.cursor}`,
    'global',
    `    stats socket ${quote(o.statsSocket)} mode 600 level admin expose-fd listeners`,
    '    stats timeout 30s',
    `    server-state-file ${quote(o.serverStateFile)}`,
    '    hard-stop-after 15m',
    '',
    'defaults',
    '    mode http',
    '    load-server-state-from-file global',
    '    option forwardfor',
    // A stopping worker (the old one after a reload) answers the next request on each idle keep-alive
    // connection, with Connection: close, instead of closing it under a client that may be sending one.
    '    option idle-close-on-response',
    // Targets sit on this host's own bridges, a SYN answered in well under a millisecond: one not
    // answered for a second is a task gone or not there yet, and the request is tried on another
    // target (ALB's 10 s would hold a client that long behind one dead target).
    '    option redispatch 1',
    '    retries 3',
    '    retry-on conn-failure empty-response',
    '    timeout connect 1s',
    '    timeout client 60s',
    '    timeout server 60s',
    '    timeout http-keep-alive 60s',
    '',
  ];
  for (const lb of sortBy(a.loadBalancers, (l) => l.loadBalancerArn)) {
    for (const l of sortBy(lb.listeners, (x) => String(x.port).padStart(5, '0'))) out.push(...renderFrontend(lb, l, groups), '');
  }
  for (const tg of sortBy(a.targetGroups, (t) => backendName(t))) out.push(...renderBackend(tg, o.nowMs), '');
  return out.join('\n');
}

export function frontendName(lb: LoadBalancerConfig, l: ListenerConfig): string {
  return `ls_${safe(lb.name)}_${l.port}_${shortHash(l.listenerArn)}`;
}

export function backendName(tg: Pick<TargetGroupConfig, 'name' | 'targetGroupArn'>): string {
  return `tg_${safe(tg.name)}_${shortHash(tg.targetGroupArn)}`;
}

export function serverName(t: Pick<TargetConfig, 'id' | 'port'>): string {
  return `${t.id}:${t.port}`;
}

/** Whether a target is still rendered: not draining, or draining for less than the group's delay. */
export function targetLive(tg: TargetGroupConfig, t: TargetConfig, nowMs: number): boolean {
  return t.drainingSinceMs === undefined || nowMs < t.drainingSinceMs + tg.deregistrationDelaySeconds * 1000;
}

/**
 * The configuration without its server lines and cursor: when only this stays the same between two
 * assignments, the change is made through the runtime API instead of a reload.
 */
export function configShape(config: string): string {
  return config.split('\n').filter((l) => !l.startsWith('    server ') && !l.startsWith('# cursor ')).join('\n');
}

/** The server's arguments after its address, as on a config `server` line and in `add server`. */
export function serverArgs(tg: TargetGroupConfig): string[] {
  const hc = tg.healthCheck;
  if (!hc.enabled) return [];
  return ['check', 'inter', `${hc.intervalSeconds}s`, 'fall', String(hc.unhealthyThresholdCount), 'rise', String(hc.healthyThresholdCount),
    ...(hc.port === 'traffic-port' ? [] : ['port', String(hc.port)])];
}

function renderFrontend(lb: LoadBalancerConfig, l: ListenerConfig, groups: Map<string, TargetGroupConfig>): string[] {
  const out = [
    `frontend ${frontendName(lb, l)}`,
    `    bind ${lb.bindAddress}:${l.port}`,
    '    http-request set-header X-Forwarded-Proto http',
    `    http-request set-header X-Forwarded-Port ${l.port}`,
  ];
  const rules = [...l.rules].sort((x, y) => x.priority - y.priority);
  const actions: { index: number; action: ListenerAction }[] = [{ index: 0, action: l.defaultAction }];
  rules.forEach((r, i) => {
    const index = i + 1;
    const conds = ruleAcls(r, index, out);
    out.push(`    http-request set-var(txn.rule) int(${index}) if ${[...conds, '!{ var(txn.rule) -m found }'].join(' ')}`);
    actions.push({ index, action: r.action });
  });
  // Without rules the default action needs no variable (the common case, and the cheapest per request).
  if (rules.length > 0) out.push('    http-request set-var(txn.rule) int(0) if !{ var(txn.rule) -m found }');
  const uses: string[] = [];
  for (const { index, action } of actions) {
    const when = rules.length > 0 ? `{ var(txn.rule) -m int eq ${index} }` : '';
    if (action.type === 'fixed-response') {
      out.push(`    ${fixedResponse(action.statusCode, action.contentType, action.messageBody)}${iff(when)}`);
      continue;
    }
    const targets = action.targetGroups.filter((g) => g.weight > 0 && groups.has(g.targetGroupArn));
    if (targets.length === 0) {
      out.push(`    ${fixedResponse(503, 'text/plain', 'Service Unavailable')}${iff(when)}`);
    } else if (targets.length === 1) {
      uses.push(`    use_backend ${backendName(groups.get(targets[0]!.targetGroupArn)!)}${iff(when)}`);
    } else {
      const total = targets.reduce((s, g) => s + g.weight, 0);
      out.push(`    http-request set-var(txn.weight) rand(${total})${iff(when)}`);
      let upTo = 0;
      targets.forEach((g, i) => {
        upTo += g.weight;
        const name = backendName(groups.get(g.targetGroupArn)!);
        uses.push(i === targets.length - 1 ? `    use_backend ${name}${iff(when)}` : `    use_backend ${name}${iff(`${when} { var(txn.weight) -m int lt ${upTo} }`)}`);
      });
    }
  }
  return [...out, ...uses];
}

/** ` if <condition>`, or nothing for an unconditional line. */
function iff(condition: string): string {
  return condition.trim() === '' ? '' : ` if ${condition.trim()}`;
}

/** Declares the rule's ACLs (patterns of one condition are ORed) and returns their names (ANDed). */
function ruleAcls(r: RuleConfig, index: number, out: string[]): string[] {
  const names: string[] = [];
  if (r.pathPatterns && r.pathPatterns.length > 0) {
    names.push(`r${index}_path`);
    for (const m of groupMatches(r.pathPatterns)) out.push(`    acl r${index}_path path -m ${m.kind} ${m.patterns.map(quote).join(' ')}`);
  }
  if (r.hostHeaders && r.hostHeaders.length > 0) {
    names.push(`r${index}_host`);
    const lower = r.hostHeaders.map((h) => h.toLowerCase());
    for (const m of groupMatches(lower)) out.push(`    acl r${index}_host req.hdr(host),field(1,:),lower -m ${m.kind} ${m.patterns.map(quote).join(' ')}`);
  }
  return names;
}

type MatchKind = 'str' | 'beg' | 'end' | 'reg';

/**
 * ELBv2 wildcards (`*` any run, `?` one character) as HAProxy matches: exact strings, prefixes
 * (`/api/*`), suffixes (`*.example.com`) where that says the same, anchored regexes otherwise.
 */
export function wildcardMatch(pattern: string): { kind: MatchKind; pattern: string } {
  const stars = [...pattern].filter((c) => c === '*').length;
  if (!pattern.includes('?')) {
    if (stars === 0) return { kind: 'str', pattern };
    if (stars === 1 && pattern.endsWith('*')) return { kind: 'beg', pattern: pattern.slice(0, -1) };
    if (stars === 1 && pattern.startsWith('*')) return { kind: 'end', pattern: pattern.slice(1) };
  }
  let re = '^';
  for (const c of pattern) re += c === '*' ? '.*' : c === '?' ? '.' : /[A-Za-z0-9/_\-~@:&,=%!]/.test(c) ? c : `[${c === '^' || c === ']' || c === '\\' ? `\\${c}` : c}]`;
  return { kind: 'reg', pattern: `${re}$` };
}

function groupMatches(patterns: string[]): { kind: MatchKind; patterns: string[] }[] {
  const byKind = new Map<MatchKind, string[]>();
  for (const p of patterns) {
    const m = wildcardMatch(p);
    byKind.set(m.kind, [...(byKind.get(m.kind) ?? []), m.pattern]);
  }
  return (['str', 'beg', 'end', 'reg'] as const).filter((k) => byKind.has(k)).map((kind) => ({ kind, patterns: byKind.get(kind)! }));
}

function fixedResponse(status: number, contentType: string | undefined, body: string | undefined): string {
  const payload = body !== undefined && body !== '' ? ` content-type ${quote(contentType ?? 'text/plain')} string ${quote(body)}` : '';
  return `http-request return status ${status}${payload}`;
}

function renderBackend(tg: TargetGroupConfig, nowMs: number): string[] {
  const out = [`backend ${backendName(tg)}`, '    balance roundrobin'];
  const hc = tg.healthCheck;
  if (hc.enabled) {
    out.push(`    option httpchk GET ${quote(hc.path)}`, `    http-check expect ${statusMatcher(hc)}`, `    timeout check ${hc.timeoutSeconds}s`);
  }
  // Servers change at run time (supervisor.ts); what they are made with belongs to the backend's shape.
  out.push(`    # server arguments: ${serverArgs(tg).join(' ') || '-'}`);
  for (const t of sortBy(tg.targets, serverName)) {
    if (!targetLive(tg, t, nowMs)) continue;
    const args = [...serverArgs(tg), ...(t.drainingSinceMs !== undefined ? ['disabled'] : [])];
    out.push(`    server ${serverName(t)} ${t.id}:${t.port}${args.length ? ` ${args.join(' ')}` : ''}`);
  }
  return out;
}

/** ELBv2's matcher ("200", "200-299", "200,202") as an `http-check expect` argument. */
export function statusMatcher(hc: Pick<HealthCheckConfig, 'httpCode'>): string {
  const parts = hc.httpCode.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 1 && /^\d{3}$/.test(parts[0]!)) return `status ${parts[0]}`;
  const alternatives: string[] = [];
  for (const p of parts) {
    const range = /^(\d{3})-(\d{3})$/.exec(p);
    if (!range) {
      if (/^\d{3}$/.test(p)) alternatives.push(p);
      continue;
    }
    for (let c = Number(range[1]); c <= Number(range[2]); c++) alternatives.push(String(c));
  }
  return `rstatus ${quote(`^(${compressCodes(alternatives)})$`)}`;
}

/** Codes as a regex alternation, whole hundreds and tens folded to `2[0-9][0-9]` and `20[0-9]`. */
function compressCodes(codes: string[]): string {
  const set = new Set(codes);
  const out: string[] = [];
  for (const h of '12345') {
    const hundred = [...Array(100).keys()].map((i) => `${h}${String(i).padStart(2, '0')}`);
    if (hundred.every((c) => set.has(c))) {
      out.push(`${h}[0-9][0-9]`);
      continue;
    }
    for (const t of '0123456789') {
      const ten = [...'0123456789'].map((u) => `${h}${t}${u}`);
      if (ten.every((c) => set.has(c))) out.push(`${h}${t}[0-9]`);
      else out.push(...ten.filter((c) => set.has(c)));
    }
  }
  return out.join('|');
}

/** A config word in double quotes; HAProxy's escapes for the characters it would interpret. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"$#]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 32);
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

function sortBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  return [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
