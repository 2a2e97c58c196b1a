/**
 * FilterLogEvents over one group, in (timestamp, id) order, two ways:
 *
 * - Through the text index, when the pattern names literals (`requirement`): for each alternative
 *   the few rarest of its literals' trigrams are chosen (among trigrams tiling each literal, their
 *   document counts probed with a capped count, so a common trigram costs little to rule out),
 *   ANDed, and ORed across alternatives (with the group's marker trigram when that pays, see
 *   candidateIds and groupMarker). Documents are runs of a block's events (indexer.ts). If that
 *   yields at most `candidateCap` documents, their blocks are read, together with the blocks the
 *   indexer has not reached yet (ids above its mark) and the rests of blocks retention cut that it
 *   has not indexed again; in each run only the events holding an alternative's longest literal
 *   (found in the block's bytes) or a backslash (JSON escapes may spell a literal) are checked with
 *   the pattern; the hits are sorted and paged. A selective search over millions of events costs a
 *   few milliseconds of index work plus one read per candidate block.
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
import { Block, docEnd, mergeForward, type BlockPager, type BlockRow } from './blocks.js';
import { BLOCK_SPAN_MS } from './schema.js';

export interface SearchLimits {
  /** Events a scan examines per call before answering with `resumeAfter`. */
  readonly scanBudget: number;
  /** Candidate documents (and blocks not indexed yet) above which a search scans instead. */
  readonly candidateCap: number;
  /** Trigram document counts are probed up to this many. */
  readonly trigramProbe: number;
  /** At most this many trigrams are ANDed per alternative. */
  readonly trigramsPerAlternative: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = { scanBudget: 20_000, candidateCap: 512, trigramProbe: 5_000, trigramsPerAlternative: 6 };

const FETCH_SLICE = 64;
const BACKSLASH = 0x5c;
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

/**
 * Indexes in [from, to) of the block's events that may satisfy the requirement, ascending: those
 * whose bytes hold the longest literal of some alternative, and those with a backslash (a JSON
 * message's escapes may spell a literal its bytes do not hold). A superset of the matches, found
 * with native searches.
 */
export function eventsWithLiterals(block: Block, requirement: LiteralRequirement, from = 0, to = block.count): number[] {
  const lo = from === 0 ? 0 : block.ends[from - 1]!;
  const hi = to === 0 ? 0 : block.ends[to - 1]!;
  const marked = new Uint8Array(to - from);
  const markAll = (needle: Buffer | number): void => {
    const width = typeof needle === 'number' ? 1 : needle.length;
    for (let at = block.text.indexOf(needle, lo); at !== -1 && at + width <= hi;) {
      const i = block.eventAt(at);
      if (at + width <= block.ends[i]!) {
        marked[i - from] = 1;
        at = block.text.indexOf(needle, block.ends[i]!);
      } else {
        at = block.text.indexOf(needle, at + 1); // ran across the end of event i
      }
    }
  };
  for (const literals of requirement) {
    const longest = literals.map((l) => Buffer.from(l)).reduce<Buffer | undefined>((a, b) => (!a || b.length > a.length ? b : a), undefined);
    if (!longest || longest.length === 0) return Array.from({ length: to - from }, (_, i) => from + i);
    markAll(longest);
  }
  markAll(BACKSLASH);
  const out: number[] = [];
  for (let i = 0; i < marked.length; i++) if (marked[i]) out.push(from + i);
  return out;
}

export class GroupSearch {
  private readonly limits: SearchLimits;
  private readonly st: Record<'streams' | 'indexedUpto' | 'deletesUpto' | 'probe' | 'candidates' | 'groupShare' | 'blockOf' | 'tailSize' | 'tail' | 'cutRests' | 'scan', Database.Statement>;

  constructor(db: Database.Database, limits: Partial<SearchLimits> = {}) {
    this.limits = { ...DEFAULT_SEARCH_LIMITS, ...limits };
    this.st = {
      streams: db.prepare('SELECT id FROM log_streams WHERE group_id = ?').pluck(),
      indexedUpto: db.prepare("SELECT value FROM search.log_text_meta WHERE key = 'indexed_upto'").pluck(),
      probe: db.prepare('SELECT count(*) FROM (SELECT 1 FROM search.log_text WHERE log_text MATCH ? LIMIT ?)').pluck(),
      candidates: db.prepare('SELECT rowid FROM search.log_text WHERE log_text MATCH ? AND rowid <= ? LIMIT ?').pluck(),
      groupShare: db.prepare('SELECT CAST(stored_bytes AS REAL) / max(1, (SELECT sum(stored_bytes) FROM log_groups)) FROM log_groups WHERE id = ?').pluck(),
      deletesUpto: db.prepare("SELECT value FROM search.log_text_meta WHERE key = 'deletes_upto'").pluck(),
      blockOf: db.prepare('SELECT * FROM log_blocks WHERE id <= ? ORDER BY id DESC LIMIT 1'),
      tailSize: db.prepare('SELECT count(*) FROM (SELECT 1 FROM log_blocks WHERE id > ? AND +group_id = ? LIMIT ?)').pluck(),
      tail: db.prepare('SELECT * FROM log_blocks WHERE id > ? AND +group_id = ? AND +max_ts >= ? AND +min_ts <= ? ORDER BY id'),
      cutRests: db.prepare(`SELECT b.* FROM log_text_deletes d JOIN log_blocks b ON b.id = d.event_id
        WHERE d.seq > ? AND d.count = 0 AND d.event_id <= ? AND b.group_id = ? AND b.max_ts >= ? AND b.min_ts <= ?`),
      scan: db.prepare(`SELECT * FROM log_blocks WHERE group_id = ? AND (min_ts, max_ts, id) > (?, ?, ?) AND min_ts <= ?
        ORDER BY min_ts, max_ts, id LIMIT 8`),
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
    const deletesUpto = this.st.deletesUpto.get() as number;
    const alternatives = this.chooseTrigrams(requirement);
    if (alternatives === undefined) return undefined;
    const cap = this.limits.candidateCap;
    const ids = alternatives === null ? [] : this.candidateIds(groupId, alternatives, upto, cap);
    if (ids.length > cap) return undefined;
    if ((this.st.tailSize.get(upto, groupId, cap + 1) as number) > cap) return undefined;
    const hits: { block: Block; i: number }[] = [];
    const consider = (block: Block, first = 0, end = block.count): void => {
      for (const i of eventsWithLiterals(block, requirement, first, end)) {
        const ts = block.ts[i]!;
        if (ts >= lo && ts <= hi && streams.has(block.streamId) && after({ ts, id: block.id + i }, from) && q.pattern.matches(block.message(i))) hits.push({ block, i });
      }
    };
    // Rests of cut blocks the indexer has not indexed again are read whole; blocks it has not reached too.
    const rests = this.st.cutRests.all(deletesUpto, upto, groupId, lo, hi) as BlockRow[];
    const restIds = new Set(rests.map((r) => r.id));
    for (const row of rests) consider(new Block(row));
    for (const row of this.st.tail.all(upto, groupId, lo, hi) as BlockRow[]) consider(new Block(row));
    // Each candidate document's events (ids ascend, so consecutive documents often share a block);
    // a stale id, of events deleted since, finds no block holding it.
    let cur: { id: number; count: number; block: Block | undefined } | undefined;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (!cur || id < cur.id || id >= cur.id + cur.count) {
        if (k > 0 && k % FETCH_SLICE === 0) await yieldToLoop();
        const row = this.st.blockOf.get(id) as BlockRow | undefined;
        if (!row) continue;
        const wanted = row.group_id === groupId && row.max_ts >= lo && row.min_ts <= hi && !restIds.has(row.id);
        cur = { id: row.id, count: row.count, block: wanted ? new Block(row) : undefined };
        if (id >= cur.id + cur.count) continue;
      }
      if (cur.block) consider(cur.block, id - cur.id, docEnd(cur.block.ends, id - cur.id));
    }
    hits.sort((x, y) => x.block.ts[x.i]! - y.block.ts[y.i]! || (x.block.id + x.i) - (y.block.id + y.i));
    const events: StoredLogEvent[] = [];
    let bytes = 0;
    for (const { block: b, i } of hits) {
      bytes += b.bytes(i) + 26;
      if (events.length >= q.limit || (bytes > q.maxBytes && events.length > 0)) {
        const last = events[events.length - 1]!;
        return { events, resumeAfter: { ts: last.timestamp, id: last.id } };
      }
      events.push(b.event(i));
    }
    return { events };
  }

  private async scan(groupId: number, q: GroupSearchQuery, streams: ReadonlySet<number>, lo: number, hi: number, from: Boundary): Promise<GroupSearchPage> {
    const events: StoredLogEvent[] = [];
    let bytes = 0;
    const start = from.ts >= lo ? from : { ts: lo - 1, id: MAX };
    let examined = 0;
    let cursor = start;
    const pager: BlockPager = (last) => this.st.scan.all(groupId, last?.min_ts ?? start.ts - BLOCK_SPAN_MS - 1, last?.max_ts ?? MAX, last?.id ?? MAX, hi) as BlockRow[];
    // The merge is synchronous: a call examines at most scanBudget events (and answers where to resume).
    for (const { block, i } of mergeForward(pager, start)) {
      const ts = block.ts[i]!;
      if (ts > hi) return { events };
      if (examined >= this.limits.scanBudget) return { events, resumeAfter: cursor };
      examined++;
      cursor = { ts, id: block.id + i };
      if (!streams.has(block.streamId)) continue;
      const message = block.message(i);
      if (!q.pattern.matches(message)) continue;
      bytes += block.bytes(i) + 26;
      if (events.length >= q.limit || (bytes > q.maxBytes && events.length > 0)) {
        const last = events[events.length - 1]!;
        return { events, resumeAfter: { ts: last.timestamp, id: last.id } };
      }
      events.push(block.event(i));
    }
    return { events };
  }
}
