import { randomBytes, randomUUID } from 'node:crypto';

/** Identifiers as an input, so pure code and tests stay deterministic. */
export interface IdSource {
  /** 32 lowercase hex characters (ECS task ids, host ids). */
  hex32(): string;
  uuid(): string;
}

export const randomIds: IdSource = {
  hex32: () => randomBytes(16).toString('hex'),
  uuid: () => randomUUID(),
};

/** Deterministic ids for tests: 00000000000000000000000000000001, … */
export class SequentialIds implements IdSource {
  private n = 0;
  hex32(): string {
    this.n += 1;
    return this.n.toString(16).padStart(32, '0');
  }
  uuid(): string {
    this.n += 1;
    const h = this.n.toString(16).padStart(32, '0');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
