import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { assignCapacityProviders } from './capacity-provider-strategy.js';

const count = (xs: string[], p: string): number => xs.filter((x) => x === p).length;

describe('capacity provider strategy', () => {
  test('weights 1:4 give one of every five tasks to the first provider', () => {
    const out = assignCapacityProviders([{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 4 }], 10);
    assert.equal(count(out, 'FARGATE'), 2);
    assert.equal(count(out, 'FARGATE_SPOT'), 8);
  });

  test('the base goes first, then the weights split the rest', () => {
    const out = assignCapacityProviders([{ capacityProvider: 'FARGATE', base: 2, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }], 6);
    assert.deepEqual(out.slice(0, 2), ['FARGATE', 'FARGATE']);
    assert.equal(count(out, 'FARGATE'), 4);
    assert.equal(count(out, 'FARGATE_SPOT'), 2);
  });

  test('a weight-0 provider gets nothing beyond its base', () => {
    const out = assignCapacityProviders([{ capacityProvider: 'FARGATE', base: 1, weight: 0 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }], 5);
    assert.equal(count(out, 'FARGATE'), 1);
  });

  test('tasks already running count toward the split', () => {
    const out = assignCapacityProviders([{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }], 2, new Map([['FARGATE', 4]]));
    assert.deepEqual(out, ['FARGATE_SPOT', 'FARGATE_SPOT']);
  });

  test('property: beyond the base, each provider stays within one task of its weighted share', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 60 }),
      (w1, w2, base, n) => {
        const out = assignCapacityProviders([{ capacityProvider: 'A', weight: w1, base }, { capacityProvider: 'B', weight: w2 }], n);
        assert.equal(out.length, n);
        const rest = Math.max(0, n - base);
        const a = count(out, 'A') - Math.min(base, n);
        assert.ok(Math.abs(a - (rest * w1) / (w1 + w2)) <= 1, `A got ${a} of ${rest} with weights ${w1}:${w2}`);
      }));
  });
});
