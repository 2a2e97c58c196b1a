/**
 * IPv4 addresses and CIDR blocks as numbers (pure). Addresses are unsigned 32-bit integers so
 * ranges compare and subtract directly; `parseCidr` accepts only canonical blocks (no host bits
 * set), as EC2 does for VPC and subnet CIDRs.
 */

export interface Cidr {
  /** The network address. */
  readonly network: number;
  readonly prefix: number;
  /** The last address (broadcast). */
  readonly last: number;
  /** How many addresses the block holds. */
  readonly size: number;
}

const OCTET = /^(?:0|[1-9]\d{0,2})$/;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** "10.0.0.0/16" → the block; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^(?:\d|[12]\d|3[0-2])$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { network: address, prefix, last: address + size - 1, size };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.network >= outer.network && inner.last <= outer.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network <= b.last && b.network <= a.last;
}

/** The n-th block of `prefix` inside `outer` (172.31.0.0/16, /20, 1 → 172.31.16.0/20). */
export function nthSubnet(outer: Cidr, prefix: number, n: number): Cidr {
  const size = 2 ** (32 - prefix);
  const network = outer.network + n * size;
  return { network, prefix, last: network + size - 1, size };
}

/**
 * AWS reserves five addresses in every subnet: the network address, +1 (the VPC router), +2 (DNS),
 * +3 (reserved for future use) and the broadcast address. Tasks get addresses from this range.
 */
export function usableRange(subnet: Cidr): { first: number; last: number; count: number } {
  const first = subnet.network + 4;
  const last = subnet.last - 1;
  return { first, last, count: Math.max(0, last - first + 1) };
}
