import assert from 'node:assert/strict';
import { cloneJson } from '../../src/platform/json-clone.ts';
import type { JsonObject } from '../../src/storage/ports.ts';

describe('cloneJson', () => {
  it('copies every level, so changing the copy leaves the original as it was', () => {
    const original: JsonObject = {
      userName: 'ann',
      active: true,
      n: 1.5,
      none: null,
      emails: [{ value: 'ann@acme.example', primary: true }],
      name: { givenName: 'Ann', parts: ['a', ['b']] },
    };
    const copy = cloneJson(original);
    assert.deepEqual(copy, original);
    (copy.emails as JsonObject[])[0].value = 'changed';
    (copy.name as JsonObject).givenName = 'Bea';
    ((copy.name as JsonObject).parts as unknown[]).push('c');
    assert.equal((original.emails as JsonObject[])[0].value, 'ann@acme.example');
    assert.deepEqual(original.name, { givenName: 'Ann', parts: ['a', ['b']] });
  });

  it('keeps a "__proto__" key as an own property, as JSON.parse does, never as the prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"admin":true},"a":1}') as JsonObject;
    const copy = cloneJson(parsed);
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.equal((copy as { admin?: unknown }).admin, undefined);
    assert.deepEqual(Object.keys(copy), ['__proto__', 'a']);
    assert.equal(JSON.stringify(copy), JSON.stringify(parsed));
  });
});
