import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestException, ResourceNotFoundException } from './errors.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, selectVersion, stageNewVersion, versionIdsToStages, versionsToPrune } from './staging.js';

const labels = (vs: { versionId: string; stages: readonly string[] }[]): Record<string, string[]> =>
  Object.fromEntries(vs.map((v) => [v.versionId, [...v.stages].sort()]));

describe('staging labels', () => {
  test('the first version is AWSCURRENT, even when other labels are asked for', () => {
    assert.deepEqual(labels(stageNewVersion([], 'v1')), { v1: [AWSCURRENT] });
    assert.deepEqual(labels(stageNewVersion([], 'v1', [AWSPENDING])), { v1: [AWSCURRENT, AWSPENDING].sort() });
  });

  test('a new current version moves AWSCURRENT, and AWSPREVIOUS follows to the version it left', () => {
    const two = stageNewVersion([{ versionId: 'v1', stages: [AWSCURRENT] }], 'v2');
    assert.deepEqual(labels(two), { v1: [AWSPREVIOUS], v2: [AWSCURRENT] });
    const three = stageNewVersion(two, 'v3');
    assert.deepEqual(labels(three), { v1: [], v2: [AWSPREVIOUS], v3: [AWSCURRENT] }, 'v1 is deprecated');
  });

  test('AWSPENDING moves alone: AWSCURRENT and AWSPREVIOUS stay where they are', () => {
    const before = [{ versionId: 'v1', stages: [AWSPREVIOUS] }, { versionId: 'v2', stages: [AWSCURRENT] }, { versionId: 'v3', stages: [AWSPENDING] }];
    assert.deepEqual(labels(stageNewVersion(before, 'v4', [AWSPENDING])), { v1: [AWSPREVIOUS], v2: [AWSCURRENT], v3: [], v4: [AWSPENDING] });
  });

  test('custom labels move like any other, and each label sits on one version', () => {
    const vs = stageNewVersion(stageNewVersion([], 'v1', [AWSCURRENT, 'blue']), 'v2', ['blue']);
    assert.deepEqual(labels(vs), { v1: [AWSCURRENT], v2: ['blue'] });
    for (const l of [AWSCURRENT, 'blue']) assert.equal(vs.filter((v) => v.stages.includes(l)).length, 1);
  });

  test('DescribeSecret lists only labelled versions; pruning drops the oldest deprecated ones past the limit', () => {
    const vs = [{ versionId: 'a', stages: [] }, { versionId: 'b', stages: [] }, { versionId: 'c', stages: [AWSPREVIOUS] }, { versionId: 'd', stages: [AWSCURRENT] }];
    assert.deepEqual(versionIdsToStages(vs), { c: [AWSPREVIOUS], d: [AWSCURRENT] });
    assert.deepEqual(versionsToPrune(vs, 3), ['a']);
    assert.deepEqual(versionsToPrune(vs, 4), []);
  });
});

describe('version selection', () => {
  const vs = [{ versionId: 'v1', stages: [AWSPREVIOUS] }, { versionId: 'v2', stages: [AWSCURRENT] }, { versionId: 'v0', stages: [] }];

  test('AWSCURRENT by default, then by stage, by id (deprecated versions too), or both when they agree', () => {
    assert.equal(selectVersion(vs, {}).versionId, 'v2');
    assert.equal(selectVersion(vs, { versionStage: AWSPREVIOUS }).versionId, 'v1');
    assert.equal(selectVersion(vs, { versionId: 'v0' }).versionId, 'v0');
    assert.equal(selectVersion(vs, { versionId: 'v1', versionStage: AWSPREVIOUS }).versionId, 'v1');
  });

  test("AWS's errors for a missing stage, a missing id, and an id and stage that disagree", () => {
    assert.throws(() => selectVersion(vs, { versionStage: AWSPENDING }), (e: unknown) => e instanceof ResourceNotFoundException
      && e.message === "Secrets Manager can't find the specified secret value for staging label: AWSPENDING");
    assert.throws(() => selectVersion(vs, { versionId: 'nope' }), (e: unknown) => e instanceof ResourceNotFoundException
      && e.message === "Secrets Manager can't find the specified secret value for VersionId: nope");
    assert.throws(() => selectVersion(vs, { versionId: 'v1', versionStage: AWSCURRENT }), InvalidRequestException);
    assert.throws(() => selectVersion([], {}), ResourceNotFoundException);
  });
});
