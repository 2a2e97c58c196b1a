/**
 * Just enough of the tar format for images: a streaming header scanner (which entries a layer holds,
 * its whiteouts and their content size, without buffering file data) and a header writer (the
 * whiteout fixup archive in unpack.ts and the test image builder).
 *
 * Formats read: POSIX ustar (with prefix), pax extended headers ('x', 'g') and GNU long names
 * ('L', 'K'); sizes in octal or GNU base-256. Formats written: ustar, with a pax header first
 * when a name or link does not fit or xattrs are given.
 */

export const BLOCK = 512;

/** OCI whiteout prefix: `.wh.<name>` hides `<name>` of lower layers. */
export const WHITEOUT_PREFIX = '.wh.';
/** OCI opaque marker: `<dir>/.wh..wh..opq` hides everything lower layers have in `<dir>`. */
export const OPAQUE_MARKER = '.wh..wh..opq';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarEntryInfo {
  path: string;
  type: TarEntryType;
  size: number;
  linkpath: string;
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0': case '\0': case '7': return 'file';
    case '1': return 'hardlink';
    case '2': return 'symlink';
    case '3': return 'char';
    case '4': return 'block';
    case '5': return 'dir';
    case '6': return 'fifo';
    default: return 'other';
  }
}

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function readNumber(buf: Buffer, start: number, len: number): number {
  if ((buf[start]! & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement in the remaining bits.
    let n = buf[start]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + buf[start + i]!;
    return n;
  }
  const s = cString(buf, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** Normalizes a member name the way the layer's filesystem sees it: no leading "./" or "/". */
export function normalizeMemberPath(p: string): string {
  let s = p.replace(/\/+$/, '');
  while (s.startsWith('./')) s = s.slice(2);
  s = s.replace(/^\/+/, '');
  return s === '.' ? '' : s;
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const len = parseInt(data.toString('utf8', at, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.toString('utf8', space + 1, at + len - 1); // drop the trailing "\n"
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/**
 * Follows a tar stream chunk by chunk and reports each member. Cheap: it touches only headers
 * and skips file data by count.
 */
export class TarScanner {
  /** Sum of regular file sizes: the layer's content size. */
  contentBytes = 0;
  entries = 0;
  /** True once the two zero blocks that end an archive were seen. */
  ended = false;

  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private skip = 0;
  /** Collecting the data of a pax / GNU long-name member. */
  private meta: { kind: string; buf: Buffer; fill: number; pad: number } | undefined;
  private paxNext = new Map<string, string>();
  private gnuLongName: string | undefined;
  private gnuLongLink: string | undefined;
  private zeroBlocks = 0;

  constructor(private readonly onEntry: (e: TarEntryInfo) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      if (this.meta) {
        const m = this.meta;
        if (m.fill < m.buf.length) {
          const n = Math.min(m.buf.length - m.fill, chunk.length - at);
          chunk.copy(m.buf, m.fill, at, at + n);
          m.fill += n;
          at += n;
          if (m.fill < m.buf.length) continue;
        }
        this.meta = undefined;
        this.skip = m.pad;
        this.finishMeta(m.kind, m.buf);
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + n);
      this.headerFill += n;
      at += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader(this.header);
      }
    }
  }

  private finishMeta(kind: string, buf: Buffer): void {
    if (kind === 'x') {
      for (const [k, v] of parsePax(buf)) this.paxNext.set(k, v);
    } else if (kind === 'L') {
      this.gnuLongName = cString(buf, 0, buf.length);
    } else if (kind === 'K') {
      this.gnuLongLink = cString(buf, 0, buf.length);
    }
    // 'g' (global pax) carries nothing a layer scan needs.
  }

  private onHeader(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    const flag = String.fromCharCode(h[156]!);
    let size = readNumber(h, 124, 12);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 16 * 1024 * 1024) throw new Error(`tar metadata member of ${size} bytes is too large`);
      this.meta = { kind: flag, buf: Buffer.alloc(size), fill: 0, pad };
      if (size === 0) {
        this.meta = undefined;
        this.skip = pad;
      }
      return;
    }
    const magic = h.toString('latin1', 257, 263);
    let name = cString(h, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cString(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkpath = cString(h, 157, 100);
    if (this.gnuLongName !== undefined) name = this.gnuLongName;
    if (this.gnuLongLink !== undefined) linkpath = this.gnuLongLink;
    const pax = this.paxNext;
    if (pax.has('path')) name = pax.get('path')!;
    if (pax.has('linkpath')) linkpath = pax.get('linkpath')!;
    if (pax.has('size')) size = parseInt(pax.get('size')!, 10);
    this.paxNext = new Map();
    this.gnuLongName = undefined;
    this.gnuLongLink = undefined;

    const type = typeOf(flag);
    // Only regular files carry data (a hardlink's size field is 0 in practice; honour it anyway).
    const dataSize = type === 'dir' || type === 'symlink' || type === 'char' || type === 'block' || type === 'fifo' ? 0 : size;
    this.skip = dataSize + ((BLOCK - (dataSize % BLOCK)) % BLOCK);
    this.entries++;
    if (type === 'file') this.contentBytes += size;
    this.onEntry({ path: name, type, size, linkpath });
  }
}

export interface TarHeaderInput {
  path: string;
  type: TarEntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  /** Written as pax SCHILY.xattr.<name> records. */
  xattrs?: Record<string, string>;
}

const FLAG: Record<TarEntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', other: '0',
};

function writeOctal(buf: Buffer, value: number, start: number, len: number): void {
  const s = value.toString(8).padStart(len - 1, '0');
  if (s.length > len - 1) {
    // GNU base-256 for values octal cannot hold (files >= 8 GiB).
    buf[start] = 0x80;
    let v = value;
    for (let i = len - 1; i > 0; i--) {
      buf[start + i] = v % 256;
      v = Math.floor(v / 256);
    }
    return;
  }
  buf.write(s, start, len - 1, 'latin1');
  buf[start + len - 1] = 0;
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length !== String(len - bodyLen).length) len = bodyLen + String(len).length;
  return Buffer.from(`${len}${body}`, 'utf8');
}

function ustarHeader(e: TarHeaderInput, name: string, link: string, flag: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  writeOctal(h, (e.mode ?? (e.type === 'dir' ? 0o755 : 0o644)) & 0o7777, 100, 8);
  writeOctal(h, e.uid ?? 0, 108, 8);
  writeOctal(h, e.gid ?? 0, 116, 8);
  writeOctal(h, size, 124, 12);
  writeOctal(h, Math.floor(e.mtime ?? 0), 136, 12);
  h.write(flag, 156, 1, 'latin1');
  h.write(link, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  writeOctal(h, e.devmajor ?? 0, 329, 8);
  writeOctal(h, e.devminor ?? 0, 337, 8);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  writeOctal(h, sum, 148, 7);
  h[155] = 0x20;
  return h;
}

/**
 * The header block(s) for one member: a pax header first when the name or link is too long for
 * ustar or xattrs are given. The caller writes `size` bytes of data and then `padding(size)`.
 */
export function tarHeader(e: TarHeaderInput): Buffer {
  const size = e.type === 'file' ? e.size ?? 0 : 0;
  const path = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const link = e.linkpath ?? '';
  const records: Buffer[] = [];
  if (Buffer.byteLength(path) > 100) records.push(paxRecord('path', path));
  if (Buffer.byteLength(link) > 100) records.push(paxRecord('linkpath', link));
  for (const [k, v] of Object.entries(e.xattrs ?? {})) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = ustarHeader(e, records.length && Buffer.byteLength(path) > 100 ? path.slice(-99) : path,
    Buffer.byteLength(link) > 100 ? '' : link, FLAG[e.type], size);
  if (records.length === 0) return main;
  const data = Buffer.concat(records);
  const paxName = `PaxHeaders/${path.replace(/\/$/, '').split('/').pop()!.slice(0, 80)}`;
  const paxHeader = ustarHeader({ path: paxName, type: 'file', mode: 0o644 }, paxName, '', 'x', data.length);
  return Buffer.concat([paxHeader, data, Buffer.alloc(padding(data.length)), main]);
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}
