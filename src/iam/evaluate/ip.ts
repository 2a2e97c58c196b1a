/** IpAddress/NotIpAddress: CIDR blocks (or single addresses) of IPv4 and IPv6, compared as integers. */

interface Cidr { readonly v6: boolean; readonly base: bigint; readonly bits: number }

/** `::ffff:1.2.3.4` (how Node reports IPv4 peers on a dual-stack socket) is the IPv4 address. */
export function normaliseIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

function v4(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function v6(ip: string): bigint | undefined {
  if (!/^[0-9a-f:]+$/i.test(ip) || ip.split('::').length > 2) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') as [string, string] : [ip, undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - a.length - b.length;
  if (fill < 0 || (tail === undefined && a.length !== 8)) return undefined;
  const groups = [...a, ...Array<string>(fill).fill('0'), ...b];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function toInt(ip: string): { v6: boolean; value: bigint } | undefined {
  const n = normaliseIp(ip);
  const four = v4(n);
  if (four !== undefined) return { v6: false, value: four };
  const six = v6(n);
  return six === undefined ? undefined : { v6: true, value: six };
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len] = text.split('/') as [string, string | undefined];
  const ip = toInt(addr);
  if (!ip) return undefined;
  const width = ip.v6 ? 128 : 32;
  const bits = len === undefined ? width : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  const shift = BigInt(width - bits);
  return { v6: ip.v6, base: (ip.value >> shift) << shift, bits };
}

export function inCidr(ip: string, cidr: Cidr): boolean {
  const addr = toInt(ip);
  if (!addr || addr.v6 !== cidr.v6) return false;
  const shift = BigInt((cidr.v6 ? 128 : 32) - cidr.bits);
  return (addr.value >> shift) << shift === cidr.base;
}
