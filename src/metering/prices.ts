/**
 * The price table metering charges at. Defaults are Fargate's public on-demand list prices for
 * Linux/x86 in us-east-1, and for Spot the 70% discount AWS advertises as its ceiling (Spot's real
 * price moves with supply; an operator who wants today's figure puts it in a file for
 * `pier up --price-table FILE`). Prices are held as whole nano-dollars per hour so that cost
 * arithmetic is exact (src/metering/cost.ts).
 */

/** Prices of one capacity provider, in nano-dollars (1e-9 USD) per hour. */
export interface Rates {
  readonly vcpuHour: bigint;
  readonly gbHour: bigint;
  /** Per GB-hour of ephemeral storage above the free allowance. */
  readonly ephemeralStorageGbHour: bigint;
}

export interface PriceTable {
  readonly currency: 'USD';
  readonly FARGATE: Rates;
  readonly FARGATE_SPOT: Rates;
  /** Ephemeral storage up to this size is not charged (Fargate: 20 GB). */
  readonly freeEphemeralStorageGiB: number;
  /** A task is charged for at least this many seconds (Fargate: one minute). */
  readonly minimumSeconds: number;
}

export class PriceTableError extends Error {}

const NANO = 1_000_000_000;

/** Dollars (a JSON number with at most 9 decimals) to nano-dollars, exactly. */
export function toNano(dollars: number, field: string): bigint {
  if (typeof dollars !== 'number' || !Number.isFinite(dollars) || dollars < 0) {
    throw new PriceTableError(`${field} must be a price in US dollars, zero or more (got ${JSON.stringify(dollars)})`);
  }
  const scaled = dollars * NANO;
  const whole = Math.round(scaled);
  if (Math.abs(scaled - whole) > 1e-3 || !Number.isSafeInteger(whole)) {
    throw new PriceTableError(`${field} must have at most 9 decimal places (got ${dollars})`);
  }
  return BigInt(whole);
}

export const DEFAULT_PRICES: PriceTable = {
  currency: 'USD',
  FARGATE: { vcpuHour: 40_480_000n, gbHour: 4_445_000n, ephemeralStorageGbHour: 111_000n },
  FARGATE_SPOT: { vcpuHour: 12_144_000n, gbHour: 1_333_500n, ephemeralStorageGbHour: 111_000n },
  freeEphemeralStorageGiB: 20,
  minimumSeconds: 60,
};

const RATE_FIELDS = ['vcpuHour', 'gbHour', 'ephemeralStorageGbHour'] as const;
const TOP_FIELDS = ['currency', 'FARGATE', 'FARGATE_SPOT', 'freeEphemeralStorageGiB', 'minimumSeconds'];

/**
 * An operator's price table (the JSON of a `--price-table` file) over the defaults: any field it
 * leaves out keeps its default. Unknown fields are refused, so a typo cannot silently keep a default.
 */
export function parsePriceTable(raw: unknown, base: PriceTable = DEFAULT_PRICES): PriceTable {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PriceTableError('the price table must be a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!TOP_FIELDS.includes(k)) throw new PriceTableError(`unknown field '${k}' (fields: ${TOP_FIELDS.join(', ')})`);
  }
  if (o.currency !== undefined && o.currency !== 'USD') throw new PriceTableError(`currency must be 'USD' (got ${JSON.stringify(o.currency)})`);
  return {
    currency: 'USD',
    FARGATE: parseRates(o.FARGATE, base.FARGATE, 'FARGATE'),
    FARGATE_SPOT: parseRates(o.FARGATE_SPOT, base.FARGATE_SPOT, 'FARGATE_SPOT'),
    freeEphemeralStorageGiB: wholeNumber(o.freeEphemeralStorageGiB, base.freeEphemeralStorageGiB, 'freeEphemeralStorageGiB', 0, 200),
    minimumSeconds: wholeNumber(o.minimumSeconds, base.minimumSeconds, 'minimumSeconds', 0, 3600),
  };
}

function parseRates(raw: unknown, base: Rates, name: string): Rates {
  if (raw === undefined) return base;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PriceTableError(`${name} must be an object of ${RATE_FIELDS.join(', ')}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(RATE_FIELDS as readonly string[]).includes(k)) throw new PriceTableError(`unknown field '${name}.${k}' (fields: ${RATE_FIELDS.join(', ')})`);
  }
  const rate = (k: typeof RATE_FIELDS[number]): bigint => (o[k] === undefined ? base[k] : toNano(o[k] as number, `${name}.${k}`));
  return { vcpuHour: rate('vcpuHour'), gbHour: rate('gbHour'), ephemeralStorageGbHour: rate('ephemeralStorageGbHour') };
}

function wholeNumber(raw: unknown, fallback: number, name: string, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new PriceTableError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return raw;
}

/** The table as JSON (dollars as numbers), for showing operators what is in force. */
export function priceTableToJson(t: PriceTable): Record<string, unknown> {
  const rates = (r: Rates): Record<string, number> => Object.fromEntries(RATE_FIELDS.map((k) => [k, Number(r[k]) / NANO]));
  return {
    currency: t.currency, FARGATE: rates(t.FARGATE), FARGATE_SPOT: rates(t.FARGATE_SPOT),
    freeEphemeralStorageGiB: t.freeEphemeralStorageGiB, minimumSeconds: t.minimumSeconds,
  };
}
