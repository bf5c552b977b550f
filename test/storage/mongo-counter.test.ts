/**
 * The MongoDB adapter's `increment` without a server: the filters and updates it sends
 * (src/storage/mongo/counters.ts) run by mingo over documents shaped as the adapter stores them,
 * with `findOneAndUpdate`'s upsert played as the server plays it (insert the filter's `_id`, then
 * apply the update; a live document with that `_id` is a duplicate key).
 */
import assert from 'node:assert/strict';
import { Query } from 'mingo';
import { updateOne } from 'mingo/updater';
import type { CounterStep } from '../../src/storage/mongo/counters.ts';
import { countOf, counterSteps } from '../../src/storage/mongo/counters.ts';

type Doc = Record<string, unknown>;

function findOneAndUpdate(docs: Doc[], step: CounterStep, upsert: boolean): Doc | undefined {
  const match = new Query(step.filter).find<Doc>(docs).all()[0];
  if (match) {
    updateOne(docs, { _id: match._id }, step.update as never);
    return docs.find((d) => d._id === match._id);
  }
  if (!upsert) return undefined;
  if (docs.some((d) => d._id === step.filter._id)) throw new Error('E11000 duplicate key');
  const inserted: Doc = { _id: step.filter._id };
  docs.push(inserted);
  updateOne(docs, { _id: inserted._id }, step.update as never);
  return inserted;
}

/** The adapter's two steps (ephemeral.ts, increment), at `now`. */
function increment(docs: Doc[], key: string, by: number, ttlSeconds: number, now: Date): number {
  const { live, fresh } = counterSteps(key, by, ttlSeconds, now);
  const added = countOf(findOneAndUpdate(docs, live, false));
  if (added !== undefined) return added;
  return countOf(findOneAndUpdate(docs, fresh, true)) ?? by;
}

describe('mongo counters, run by mingo', () => {
  const t0 = new Date('2026-01-01T00:00:00.000Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it('inserts, adds, keeps the first expiry, restarts once expired', () => {
    const docs: Doc[] = [];
    assert.equal(increment(docs, 'rl:a', 3, 60, t0), 3);
    assert.equal(increment(docs, 'rl:a', 2, 60, at(30)), 5);
    assert.equal(increment(docs, 'rl:a', 0, 60, at(59)), 5);
    assert.deepEqual(docs, [{ _id: 'rl:a', count: 5, expiresAt: at(60) }], 'expiry of the first step');
    assert.equal(increment(docs, 'rl:a', 1, 60, at(60)), 1, 'expired at its expiresAt');
    assert.deepEqual(docs, [{ _id: 'rl:a', count: 1, expiresAt: at(120) }]);
  });

  it('the live step never touches an expired document; the fresh step never matches a live one', () => {
    const docs: Doc[] = [{ _id: 'rl:b', count: 9, expiresAt: at(10) }];
    const { live, fresh } = counterSteps('rl:b', 1, 60, at(10));
    assert.equal(findOneAndUpdate(docs, live, false), undefined);
    assert.equal(docs[0]?.count, 9);
    const early = counterSteps('rl:b', 1, 60, at(5)).fresh;
    assert.throws(
      () => findOneAndUpdate(docs, early, true),
      /duplicate key/,
      'a live counter: the racer retries',
    );
    assert.equal(countOf(findOneAndUpdate(docs, fresh, true)), 1);
  });

  it('a counter over an entry put without expiry adds to it and drops no other key', () => {
    const docs: Doc[] = [
      { _id: 'rl:c', count: 2, expiresAt: null },
      { _id: 'rl:d', value: 'x', expiresAt: at(100) },
    ];
    assert.equal(increment(docs, 'rl:c', 1, 60, t0), 3);
    assert.deepEqual(docs[1], { _id: 'rl:d', value: 'x', expiresAt: at(100) });
  });
});
