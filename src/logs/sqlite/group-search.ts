/**
 * FilterLogEvents over one group, in (timestamp, id) order, two ways:
 *
 * - Through the text index, when the pattern names literals (`requirement`): for each alternative
 *   the few rarest of its literals' trigrams are chosen (among trigrams tiling each literal, their
 *   document counts probed with a capped count, so a common trigram costs little to rule out),
 *   ANDed, and ORed across alternatives (with the group's marker trigram when that pays, see
 *   candidateIds and groupMarker). If that yields at most `candidateCap` events,
 *   they are read by id, together with the events the indexer has not reached yet (ids above its
 *   mark), checked with the pattern, sorted and paged. This answers a selective search over
 *   millions of events in a few milliseconds of index work plus one read per candidate.
 * - Otherwise by scanning the group's (group_id, ts) index from the resume point, checking every
 *   event, and stopping after `scanBudget` events: the caller gets what matched so far and where to
 *   resume (FilterLogEvents' nextToken), as AWS may answer a page with few or no events.
 *
 * Both ways answer the same events; test/contract/log-store.test.ts checks that they do.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { LiteralRequirement } from '../filter-pattern.js';
import type { GroupSearchPage, GroupSearchQuery, StoredLogEvent } from '../log-store.js';
import type { Boundary } from '../stream-tokens.js';

export interface SearchLimits {
  /** Events a scan examines per call before answering with `resumeAfter`. */
  readonly scanBudget: number;
  /** Text-index candidates above which a search scans instead. */
  readonly candidateCap: number;
  /** Trigram document counts are probed up to this many. */
  readonly trigramProbe: number;
  /** At most this many trigrams are ANDed per alternative. */
  readonly trigramsPerAlternative: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = { scanBudget: 20_000, candidateCap: 5_000, trigramProbe: 5_000, trigramsPerAlternative: 3 };

const SCAN_CHUNK = 2_000;
const FETCH_SLICE = 1_000;
const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

/**
 * A trigram no message contains, naming a group: U+E000 then the id in two characters of the
 * private use area (6,144 values each, so 37 million groups). Appended to every indexed text, it
 * lets the index answer "in this group" with the pattern's trigrams.
 */
export function groupMarker(groupId: number): string {
  const base = 0xe100;
  const span = 0xf8ff - base + 1;
  return `\u{E000}${String.fromCharCode(base + (Math.floor(groupId / span) % span))}${String.fromCharCode(base + (groupId % span))}`;
}

interface Row { id: number; stream_id: number; ts: number; ingested: number; message: string }
const toEvent = (r: Row): StoredLogEvent => ({ id: r.id, streamId: r.stream_id, timestamp: r.ts, ingestionTime: r.ingested, message: r.message });
const quote = (trigram: string): string => `"${trigram.replace(/"/g, '""')}"`;
const after = (r: { ts: number; id: number }, b: Boundary): boolean => r.ts > b.ts || (r.ts === b.ts && r.id > b.id);

/**
 * Trigrams tiling a literal without overlap (and the last one): the ones worth probing. Overlapping
 * trigrams say little more than one of them; trigrams far apart narrow a search the most.
 */
function spreadTrigrams(literal: string): string[] {
  const chars = [...literal];
  const at = (i: number): string => chars[i]! + chars[i + 1]! + chars[i + 2]!;
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i += 3) out.push(at(i));
  if (chars.length >= 3 && chars.length % 3 !== 0) out.push(at(chars.length - 3));
  return out;
}

export class GroupSearch {
  private readonly limits: SearchLimits;
  private readonly st: Record<'streams' | 'indexedUpto' | 'probe' | 'candidates' | 'groupShare' | 'byIds' | 'tail' | 'scan', Database.Statement>;

  constructor(db: Database.Database, limits: Partial<SearchLimits> = {}) {
    this.limits = { ...DEFAULT_SEARCH_LIMITS, ...limits };
    this.st = {
      streams: db.prepare('SELECT id FROM log_streams WHERE group_id = ?').pluck(),
      indexedUpto: db.prepare("SELECT value FROM search.log_text_meta WHERE key = 'indexed_upto'").pluck(),
      probe: db.prepare('SELECT count(*) FROM (SELECT 1 FROM search.log_text WHERE log_text MATCH ? LIMIT ?)').pluck(),
      candidates: db.prepare('SELECT rowid FROM search.log_text WHERE log_text MATCH ? AND rowid <= ? LIMIT ?').pluck(),
      groupShare: db.prepare('SELECT CAST(stored_bytes AS REAL) / max(1, (SELECT sum(stored_bytes) FROM log_groups)) FROM log_groups WHERE id = ?').pluck(),
      byIds: db.prepare(`SELECT id, stream_id, ts, ingested, message FROM log_events
        WHERE id IN (SELECT value FROM json_each(?)) AND +group_id = ? AND +ts >= ? AND +ts <= ?`),
      tail: db.prepare(`SELECT id, stream_id, ts, ingested, message FROM log_events
        WHERE id > ? AND +group_id = ? AND +ts >= ? AND +ts <= ? ORDER BY id LIMIT ?`),
      scan: db.prepare(`SELECT id, stream_id, ts, ingested, message FROM log_events
        WHERE group_id = ? AND ts >= ? AND ts <= ? AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?`),
    };
  }

  async run(groupId: number, q: GroupSearchQuery): Promise<GroupSearchPage> {
    const streams = new Set(q.streamIds ?? (this.st.streams.all(groupId) as number[]));
    const lo = Math.max(q.startTime ?? MIN, q.notBefore);
    const hi = q.endTime ?? MAX;
    const from: Boundary = q.after ?? { ts: lo - 1, id: MAX };
    if (streams.size === 0 || lo > hi) return { events: [] };
    if (q.pattern.requirement) {
      const page = await this.viaIndex(groupId, q, q.pattern.requirement, streams, lo, hi, from);
      if (page) return page;
    }
    return this.scan(groupId, q, streams, lo, hi, from);
  }

  /**
   * The trigrams to AND for each alternative of a requirement; undefined when the index cannot
   * narrow it, null when nothing indexed can match.
   */
  private chooseTrigrams(requirement: LiteralRequirement): string[][] | null | undefined {
    const counts = new Map<string, number>();
    const count = (t: string): number => {
      let n = counts.get(t);
      if (n === undefined) {
        n = this.st.probe.get(quote(t), this.limits.trigramProbe) as number;
        counts.set(t, n);
      }
      return n;
    };
    const alternatives: string[][] = [];
    for (const literals of requirement) {
      const trigrams = [...new Set(literals.flatMap(spreadTrigrams))];
      if (trigrams.length === 0) return undefined;
      // Rarest first; among equally common (capped) ones, the order of the tiling keeps them apart.
      const ranked = trigrams.map((t) => [t, count(t)] as const).sort((a, b) => a[1] - b[1]);
      if (ranked[0]![1] === 0) continue; // some trigram is in no indexed event: this alternative matches none of them
      alternatives.push(ranked.slice(0, this.limits.trigramsPerAlternative).map(([t]) => t));
    }
    return alternatives.length === 0 ? null : alternatives;
  }

  /**
   * Candidate ids for the chosen trigrams, at most cap + 1 of them. The group's marker joins the
   * query only when the trigrams alone name too many events and the group holds under half the
   * store: seeking through a big group's marker costs more than reading a few extra candidates.
   */
  private candidateIds(groupId: number, alternatives: readonly string[][], upto: number, cap: number): number[] {
    const any = alternatives.map((a) => `(${a.map(quote).join(' AND ')})`).join(' OR ');
    const ids = this.st.candidates.all(any, upto, cap + 1) as number[];
    if (ids.length <= cap) return ids;
    const share = this.st.groupShare.get(groupId) as number | null;
    if (share === null || share >= 0.5) return ids;
    return this.st.candidates.all(`${quote(groupMarker(groupId))} AND (${any})`, upto, cap + 1) as number[];
  }

  private async viaIndex(
    groupId: number, q: GroupSearchQuery, requirement: LiteralRequirement, streams: ReadonlySet<number>, lo: number, hi: number, from: Boundary,
  ): Promise<GroupSearchPage | undefined> {
    const upto = this.st.indexedUpto.get() as number;
    const alternatives = this.chooseTrigrams(requirement);
    if (alternatives === undefined) return undefined;
    const cap = this.limits.candidateCap;
    const ids = alternatives === null ? [] : this.candidateIds(groupId, alternatives, upto, cap);
    if (ids.length > cap) return undefined;
    const tail = this.st.tail.all(upto, groupId, lo, hi, cap + 1) as Row[];
    if (tail.length > cap) return undefined;
    // Read by id in slices, letting other work run between them.
    const rows: Row[] = [];
    for (let i = 0; i < ids.length; i += FETCH_SLICE) {
      if (i > 0) await yieldToLoop();
      rows.push(...(this.st.byIds.all(JSON.stringify(ids.slice(i, i + FETCH_SLICE)), groupId, lo, hi) as Row[]));
    }
    const hits = [...rows, ...tail].filter((r) => streams.has(r.stream_id) && after(r, from) && q.pattern.matches(r.message));
    hits.sort((a, b) => a.ts - b.ts || a.id - b.id);
    const events: StoredLogEvent[] = [];
    let bytes = 0;
    for (const r of hits) {
      bytes += Buffer.byteLength(r.message, 'utf8') + 26;
      if (events.length >= q.limit || (bytes > q.maxBytes && events.length > 0)) {
        const last = events[events.length - 1]!;
        return { events, resumeAfter: { ts: last.timestamp, id: last.id } };
      }
      events.push(toEvent(r));
    }
    return { events };
  }

  private async scan(groupId: number, q: GroupSearchQuery, streams: ReadonlySet<number>, lo: number, hi: number, from: Boundary): Promise<GroupSearchPage> {
    const events: StoredLogEvent[] = [];
    let bytes = 0;
    let cursor = from;
    let examined = 0;
    const chunk = Math.min(SCAN_CHUNK, this.limits.scanBudget);
    for (;;) {
      const rows = this.st.scan.all(groupId, Math.max(lo, cursor.ts), hi, cursor.ts, cursor.ts, cursor.id, chunk) as Row[];
      for (const r of rows) {
        examined++;
        cursor = { ts: r.ts, id: r.id };
        if (!streams.has(r.stream_id) || !q.pattern.matches(r.message)) continue;
        bytes += Buffer.byteLength(r.message, 'utf8') + 26;
        if (events.length >= q.limit || (bytes > q.maxBytes && events.length > 0)) {
          const last = events[events.length - 1]!;
          return { events, resumeAfter: { ts: last.timestamp, id: last.id } };
        }
        events.push(toEvent(r));
      }
      if (rows.length < chunk) return { events };
      if (examined >= this.limits.scanBudget) return { events, resumeAfter: cursor };
      await yieldToLoop();
    }
  }
}
